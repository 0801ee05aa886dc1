// Identities: which recorded values stand for the user (an email, a username, a password
// placeholder), and the values an amplified copy uses instead. The profile's templates are
// expanded per copy ({vu}, {iter}, {shard}, {copy}, {run}, {uuid}; ${env:NAME} was expanded by the
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

// A run's own mark, so that a second run against the same service makes other values than the
// first: six characters of [0-9a-z] for text, four digits for a value of digits.
struct RunMark {
  std::string text = "000000";
  uint32_t digits = 0;
  static RunMark random();
};

struct IdentityContext {
  int vu = 1;         // global, 1-based
  int iter = 0;       // the VU's iteration, 0-based
  int shard = 1;      // i of i/N
  uint64_t copy = 1;  // this copy of the recorded user: never the same twice in a run, across shards too
  const RunMark* run = nullptr;  // {run}; none: "000000"
};

using Fields = std::vector<std::pair<std::string, std::string>>;  // name, value

// The top-level string fields of a JSON object body or a form body, in order.
Fields string_fields(const capture::Request& req);

// What the whole capture says about request fields: `refused` the names of those whose repeated
// value the service refused (a request answered 400 or 409 sends, in a field, the value an
// earlier request to the same method and path sent and got a 2xx for), `shared` the (endpoint
// "POST /path", field) pairs the service accepted one value of twice (a constant, or a value
// two users share: not unique there, whatever else says so; a login sends the same email again
// and again, which says nothing of the registration).
struct FieldEvidence {
  std::set<std::string> refused;
  std::set<std::pair<std::string, std::string>> shared;
};
std::string endpoint_of(const capture::Request& req);  // "POST /api/users/register"
FieldEvidence field_evidence(const std::vector<capture::Exchange>& exchanges);

// The identity fields of one recorded user (its exchanges in time order), from its creating
// request: the first answered 2xx whose answer echoes a string it sent that the user carries
// again later (the service stored the email the user then logs in with: a registration), or
// that sends a refused field. Its echoed fields and its refused ones, less the shared ones;
// redaction placeholders and one-character values are left out.
Fields creating_fields(const std::vector<const capture::Exchange*>& user, const FieldEvidence& evidence);

// Every string value (at any depth) of the JSON body of `x`'s answer when it is a whole 2xx.
std::set<std::string> echoed_strings(const capture::Exchange& x);
// The top-level string fields a POST sent that its 2xx answer echoed (the service stored them:
// a registration's email and username), redaction placeholders and one-character values left
// out. The live mirror's automatic identities, one exchange at a time.
Fields echoed_fields(const capture::Exchange& x);

// The recorded value made unique for copy `copy` of run `run`: "alice@test.com" →
// "alice_17_k3x9q1@test.com", "alice" → "alice_17_k3x9q1"; a value of digits keeps its length
// when it can: its first three digits, the run's four and the copy's ("01012345678" with run
// digits 4821 and copy 17 → "01000482117").
std::string unique_value(const std::string& recorded, const RunMark& run, uint64_t copy);

// True when a template gives the same value twice in a run, to a group of `users`: without
// {copy} or {uuid}, and (for one user) without both {vu} and {iter}.
bool template_repeats(const std::string& value_template, int users = 1);

// The template with its placeholders filled in; `{uuid}` is a fresh random UUID each call.
std::string expand_identity(const std::string& value_template, const IdentityContext& ctx);

}  // namespace reprise::replay
