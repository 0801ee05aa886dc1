// Replaces secrets in a recorded exchange by stable placeholders ("{{redacted:7}}"): one
// secret, one placeholder, for the whole capture, so replay can still tell that the token a
// login handed out is the one later requests carry. A secret is the value of a header, JSON key
// (at any depth, whatever the value's type), form field or query parameter whose name
// SecretNames calls a secret, every cookie value, and what a rules file adds; the JSON in an
// event stream's data lines is redacted like a JSON body. Used by the recorder's writer thread
// and the importers only: it is not thread-safe and not on the request path.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::capture {

struct RedactionRules {
  bool default_names = false;           // SecretNames' default rules, for headers and fields alike
  std::vector<std::string> headers;     // header names, compared as loose_name writes them
  std::vector<std::string> fields;      // JSON / form / query names, at any depth, the same way
  std::vector<std::string> json_paths;  // dotted paths from the body's root, e.g. "user.ssn"

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
  void redact_url(std::string& url);
  void redact_body(Body& body, const HeaderList& headers);
  void redact_json_text(std::string& text);
  std::string secret_kind(const std::vector<std::string>& path, const std::string& key);
  void redact_form(std::string& text, const char* kind);
  void redact_event_stream(std::string& text);
  std::string redact_cookie_list(std::string_view value, char separator, bool first_only);
  std::string placeholder(const std::string& secret, const std::string& kind);
  enum class HeaderKind : uint8_t { plain, url, secret };
  HeaderKind header_kind(std::string_view name);
  bool is_secret_header(std::string_view name);
  bool is_secret_field(std::string_view name);
  bool is_default_secret(std::string_view name);
  bool mentions_a_field(std::string_view text) const;

  RedactionRules rules_;
  std::vector<std::string> loose_headers_, loose_fields_;  // the rules' names, as loose_name writes them
  // A secret's 64-bit hash → its placeholder's number: 16 bytes a secret, not copies of it,
  // since a long recording hands out a new token with every login. Two secrets whose hashes are
  // equal share a placeholder (among a million secrets, a chance of about 3 in 100 million).
  boost::unordered_flat_map<uint64_t, uint64_t> placeholders_;
  // The default rules' verdict by name, as spelled: the same few header names come in every
  // exchange. Transparent, so a lookup by string_view makes no string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, bool, NameHash, std::equal_to<>> verdicts_;
  std::unordered_map<std::string, HeaderKind, NameHash, std::equal_to<>> header_kinds_;  // all rules
  std::map<std::string, uint64_t> counts_;
};

}  // namespace reprise::capture
