// Replaces secrets in a recorded exchange by stable placeholders ("{{redacted:7}}"): one
// secret, one placeholder, for the whole capture, so replay can still tell that the token a
// login handed out is the one later requests carry. Secrets are the values of Authorization,
// Cookie and Set-Cookie headers, and of JSON or form fields named password, access_token,
// refresh_token, token or secret (at any depth), plus what a rules file adds. Used by the
// recorder's writer thread only: it is not thread-safe and not on the request path.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <map>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::capture {

struct RedactionRules {
  std::vector<std::string> headers;      // header names, case-insensitive
  std::vector<std::string> fields;       // JSON / form field names, at any depth, case-insensitive
  std::vector<std::string> json_paths;   // dotted paths from the body's root, e.g. "user.ssn"

  static RedactionRules defaults();
  // Adds the rules of a JSON file {"headers": [...], "fields": [...], "json_paths": [...]};
  // throws InputError naming the file and field.
  void add_file(const std::string& path);
};

class Redactor {
 public:
  explicit Redactor(RedactionRules rules);

  void redact(Exchange& x);

  // What was redacted, by kind ("header Authorization", "json access_token", ...): counts.
  const std::map<std::string, uint64_t>& counts() const { return counts_; }
  static bool is_placeholder(std::string_view s);

 private:
  void redact_headers(HeaderList& headers);
  void redact_body(Body& body, const HeaderList& headers);
  void redact_json_text(std::string& text);
  std::string secret_kind(const std::vector<std::string>& path, const std::string& key) const;
  void redact_form(std::string& text, const char* kind);
  std::string redact_cookie_list(std::string_view value, char separator, bool first_only);
  std::string placeholder(const std::string& secret, const std::string& kind);
  bool is_secret_field(std::string_view name) const;
  bool mentions_a_field(std::string_view text) const;

  RedactionRules rules_;
  std::vector<std::string> lowered_fields_;  // for mentions_a_field
  // A secret's 64-bit hash → its placeholder's number: 16 bytes a secret, not copies of it,
  // since a long recording hands out a new token with every login. Two secrets whose hashes are
  // equal share a placeholder (among a million secrets, a chance of about 3 in 100 million).
  boost::unordered_flat_map<uint64_t, uint64_t> placeholders_;
  std::map<std::string, uint64_t> counts_;
};

}  // namespace reprise::capture
