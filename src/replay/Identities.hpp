// The profile's identities: which recorded values stand for the user (an email, a username, a
// password placeholder), and the values an amplified copy uses instead, expanded per iteration
// from templates ({vu}, {iter}, {shard}, {uuid}; ${env:NAME} was expanded by the profile).
#pragma once

#include <optional>
#include <string>

#include "capture/Exchange.hpp"

namespace reprise::replay {

// The value of the request body field `field` (JSON at any depth, or a form field), if any.
std::optional<std::string> identity_value(const capture::Request& req, const std::string& field);

struct IdentityContext {
  int vu = 1;     // global, 1-based
  int iter = 0;   // the VU's iteration, 0-based
  int shard = 1;  // i of i/N
};

// The template with its placeholders filled in; `{uuid}` is a fresh random UUID each call.
std::string expand_identity(const std::string& value_template, const IdentityContext& ctx);

}  // namespace reprise::replay
