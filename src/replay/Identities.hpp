// Identities: which recorded values stand for the user (an email, a username, a password
// placeholder), and the values an amplified copy uses instead. The profile's templates are
// expanded per copy ({vu}, {iter}, {shard}, {copy}, {uuid}; ${env:NAME} was expanded by the
// profile); without one, the fields that make a user unique are found in the capture (what the
// user's creating request sent that the service stored and echoed, and what the service refused
// when repeated) and each copy gets a unique version of the recorded value.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::replay {

// The value of the request body field `field` (JSON at any depth, or a form field), if any.
std::optional<std::string> identity_value(const capture::Request& req, const std::string& field);

struct IdentityContext {
  int vu = 1;         // global, 1-based
  int iter = 0;       // the VU's iteration, 0-based
  int shard = 1;      // i of i/N
  uint64_t copy = 1;  // this copy of the recorded user: never the same twice in a run, across shards too
};

using Fields = std::vector<std::pair<std::string, std::string>>;  // name, value

// The top-level string fields of a JSON object body or a form body, in order.
Fields string_fields(const capture::Request& req);

// The fields whose repeated value the service refused: a request answered 400 or 409 that sends,
// in a field, the value an earlier request to the same method and path sent and got a 2xx for.
std::set<std::string> conflict_fields(const std::vector<capture::Exchange>& exchanges);

// The identity fields of one recorded user (its exchanges in time order), from its creating
// request: the first answered 2xx whose answer echoes a string it sent that the user carries
// again later (the service stored the email the user then logs in with: a registration), or
// that sends a field in `conflicts`. Its echoed fields and those in `conflicts`; redaction
// placeholders and one-character values are left out.
Fields creating_fields(const std::vector<const capture::Exchange*>& user,
                       const std::set<std::string>& conflicts);

// The recorded value made unique for copy `copy`: "alice@test.com" → "alice_17@test.com",
// "alice" → "alice_17"; a value of digits keeps its length ("01012345678" → "01000000017").
std::string unique_value(const std::string& recorded, uint64_t copy);

// True when a template gives the same value twice in a run: without {copy} or {uuid}, and
// without both {vu} and {iter}.
bool template_repeats(const std::string& value_template);

// The template with its placeholders filled in; `{uuid}` is a fresh random UUID each call.
std::string expand_identity(const std::string& value_template, const IdentityContext& ctx);

}  // namespace reprise::replay
