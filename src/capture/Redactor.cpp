#include "capture/Redactor.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "InputError.hpp"
#include "InputFile.hpp"
#include "capture/JsonRewrite.hpp"
#include "capture/SecretNames.hpp"
#include "http/EventStream.hpp"
#include "http/MessageHead.hpp"
#include "http/PercentEncoding.hpp"

namespace reprise::capture {
namespace {

using http::iequals;
constexpr size_t npos = std::string::npos;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view header_value(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return {};
}

bool ends_with_authorization(std::string_view name) {
  constexpr std::string_view kWord = "authorization";
  return name.size() >= kWord.size() && iequals(name.substr(name.size() - kWord.size()), kWord);
}

// Headers that carry a URL, whose query and fragment are redacted like a request's.
bool is_url_header(std::string_view name) {
  return iequals(name, "location") || iequals(name, "content-location") || iequals(name, "referer");
}

std::vector<std::string> loose_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(loose_name(n));
  return out;
}

std::vector<std::string> string_list(const nlohmann::json& j, const char* key, const std::string& file) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) throw InputError(file, std::string("field ") + key, "must be a list of strings");
  for (const auto& v : j[key]) {
    if (!v.is_string() || v.get<std::string>().empty())
      throw InputError(file, std::string("field ") + key, "must be a list of non-empty strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

RedactionRules RedactionRules::defaults() {
  RedactionRules rules;
  rules.default_names = true;
  return rules;
}

void RedactionRules::add_file(const std::string& path) {
  std::ifstream in = open_input_file(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(path, "", "is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "headers" && it.key() != "fields" && it.key() != "json_paths")
      throw InputError(path, "field " + it.key(), "is not a rule (headers, fields, json_paths)");
  for (const char* list : {"headers", "fields"})
    for (auto& name : string_list(j, list, path)) {
      if (loose_name(name).empty())
        throw InputError(path, std::string("field ") + list,
                         "'" + name + "' has no letter or digit to match");
      (list == std::string_view("headers") ? headers : fields).push_back(name);
    }
  for (auto& p : string_list(j, "json_paths", path)) json_paths.push_back(p);
}

Redactor::Redactor(RedactionRules rules)
    : rules_(std::move(rules)),
      loose_headers_(loose_names(rules_.headers)),
      loose_fields_(loose_names(rules_.fields)) {}

bool Redactor::is_placeholder(std::string_view s) {
  return s.starts_with("{{redacted:") && s.ends_with("}}");
}

// A quick look before the token-by-token scan: most bodies name no secret field at all. Every
// default secret name holds one of the stems; a rules file's names are looked for loosely.
bool Redactor::mentions_a_field(std::string_view text) const {
  if (rules_.default_names && mentions_a_stem(text)) return true;
  if (loose_fields_.empty()) return false;
  thread_local std::string lowered;
  lowered.assign(text);
  for (char& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  std::string loose = loose_name(lowered);
  for (const auto& f : loose_fields_)
    if (loose.find(f) != npos) return true;
  return false;
}

// Remembers up to kVerdicts names; past that (a capture of made-up names), each is judged anew.
constexpr size_t kVerdicts = 4096;

bool Redactor::is_default_secret(std::string_view name) {
  if (!rules_.default_names) return false;
  if (auto it = verdicts_.find(name); it != verdicts_.end()) return it->second;
  bool secret = is_default_secret_name(name);
  if (verdicts_.size() < kVerdicts) verdicts_.emplace(name, secret);
  return secret;
}

// By every rule, remembered: the same few header names come in every exchange.
Redactor::HeaderKind Redactor::header_kind(std::string_view name) {
  if (auto it = header_kinds_.find(name); it != header_kinds_.end()) return it->second;
  const HeaderKind kind = is_secret_header(name) ? HeaderKind::secret
                          : is_url_header(name)  ? HeaderKind::url
                                                 : HeaderKind::plain;
  if (header_kinds_.size() < kVerdicts) header_kinds_.emplace(name, kind);
  return kind;
}

bool Redactor::is_secret_header(std::string_view name) {
  if (is_default_secret(name)) return true;
  if (loose_headers_.empty()) return false;
  std::string loose = loose_name(name);
  return std::find(loose_headers_.begin(), loose_headers_.end(), loose) != loose_headers_.end();
}

bool Redactor::is_secret_field(std::string_view name) {
  if (is_default_secret(name)) return true;
  if (loose_fields_.empty()) return false;
  std::string loose = loose_name(name);
  return std::find(loose_fields_.begin(), loose_fields_.end(), loose) != loose_fields_.end();
}

std::string Redactor::placeholder(const std::string& secret, const std::string& kind) {
  if (secret.empty() || is_placeholder(secret)) return secret;
  ++counts_[kind];
  auto [it, fresh] = placeholders_.try_emplace(std::hash<std::string>{}(secret), placeholders_.size() + 1);
  return "{{redacted:" + std::to_string(it->second) + "}}";
}

void Redactor::redact(Exchange& x) {
  redact_headers(x.req.headers);
  redact_url(x.req.target);
  redact_body(x.req.body, x.req.headers);
  if (x.res) {
    redact_headers(x.res->headers);
    redact_body(x.res->body, x.res->headers);
  }
}

void Redactor::redact_headers(HeaderList& headers) {
  for (auto& [name, value] : headers) {
    const HeaderKind how = header_kind(name);
    if (how != HeaderKind::secret) {
      if (how == HeaderKind::url) redact_url(value);
      continue;
    }
    std::string kind = "header " + name;
    if (iequals(name, "cookie")) {
      value = redact_cookie_list(value, ';', false);
    } else if (iequals(name, "set-cookie") || iequals(name, "set-cookie2")) {
      value = redact_cookie_list(value, ';', true);
    } else if (ends_with_authorization(name)) {
      size_t space = value.find(' ');  // keep the scheme: "Bearer {{redacted:1}}"
      value = space == npos ? placeholder(value, kind)
                            : value.substr(0, space + 1) +
                                  placeholder(std::string(trim(value.substr(space + 1))), kind);
    } else {
      value = placeholder(value, kind);
    }
  }
}

// The query and the fragment of a URL or request target ("#access_token=..." after a login).
void Redactor::redact_url(std::string& url) {
  size_t hash = url.find('#');
  size_t q = url.find('?');
  if (q > hash) q = npos;  // a '?' inside the fragment belongs to it
  if (q == npos && hash == npos) return;
  std::string out = url.substr(0, std::min(q, hash));
  if (q != npos) {
    std::string query = url.substr(q + 1, hash == npos ? npos : hash - q - 1);
    redact_form(query, "query");
    out.append("?").append(query);
  }
  if (hash != npos) {
    std::string fragment = url.substr(hash + 1);
    if (fragment.find('=') != npos) redact_form(fragment, "query");
    out.append("#").append(fragment);
  }
  url = std::move(out);
}

std::string Redactor::redact_cookie_list(std::string_view value, char separator, bool first_only) {
  std::string out;
  bool first = true;
  while (!value.empty()) {
    size_t end = value.find(separator);
    std::string_view part = value.substr(0, end);
    size_t eq = part.find('=');
    if (!out.empty()) out += separator;
    if (eq != npos && (first || !first_only)) {
      std::string name(trim(part.substr(0, eq)));
      out.append(part.substr(0, eq + 1))
          .append(placeholder(std::string(trim(part.substr(eq + 1))), "cookie " + name));
    } else {
      out.append(part);
    }
    first = false;
    if (end == std::string_view::npos) break;
    value.remove_prefix(end + 1);
  }
  return out;
}

void Redactor::redact_body(Body& body, const HeaderList& headers) {
  if (body.data.empty()) return;
  bool whole = !body.truncated();
  std::string_view type = header_value(headers, "content-type");
  bool scan = !rules_.json_paths.empty() || mentions_a_field(body.data);
  if (http::is_event_stream(type)) {
    if (scan) redact_event_stream(body.data);
  } else if (type.find("json") != std::string_view::npos || looks_like_json(body.data)) {
    if (scan) redact_json_text(body.data);
  } else if (type.find("x-www-form-urlencoded") != std::string_view::npos) {
    redact_form(body.data, "form");
  }
  // A cut body stays cut even when a placeholder made the kept part longer than it was.
  body.size = whole ? body.data.size() : std::max<uint64_t>(body.size, body.data.size() + 1);
}

// Keys and JSON paths are both found in one pass that keeps formatting and redacts a body cut at
// the body limit up to where it stops.
void Redactor::redact_json_text(std::string& text) {
  rewrite_json(
      text, {[this](const std::vector<std::string>& path, const std::string& key) {
               return secret_kind(path, key);
             },
             [this](const std::string& value, const std::string& kind) { return placeholder(value, kind); }});
}

// "json <field>" when the value under `key` at `path` is a secret by field name or JSON path.
std::string Redactor::secret_kind(const std::vector<std::string>& path, const std::string& key) {
  if (key.empty()) return {};
  if (is_secret_field(key)) return "json " + key;
  if (rules_.json_paths.empty()) return {};
  std::string dotted;
  for (size_t k = 1; k < path.size(); ++k) {  // path[0] is the root object, which has no key
    if (path[k] == "[") return {};            // paths do not go through arrays
    dotted += path[k] + ".";
  }
  dotted += key;
  for (const auto& p : rules_.json_paths)
    if (p == dotted) return "json " + dotted;
  return {};
}

// Names are matched decoded, so that a form's "user%5Bpassword%5D" is user[password].
void Redactor::redact_form(std::string& text, const char* kind) {
  std::string out;
  std::string_view rest = text;
  while (true) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    std::string name =
        eq == npos ? std::string() : http::url_decode(pair.substr(0, eq), http::UrlPart::query);
    if (eq != npos && is_secret_field(name))
      out.append(pair.substr(0, eq + 1))
          .append(placeholder(std::string(pair.substr(eq + 1)), std::string(kind) + " " + name));
    else
      out.append(pair);
    if (amp == std::string_view::npos) break;
    out += '&';
    rest.remove_prefix(amp + 1);
  }
  text = std::move(out);
}

// The JSON in an event stream's data lines, redacted like a JSON body; the framing is kept.
void Redactor::redact_event_stream(std::string& text) {
  text = http::rewrite_event_data(text, [this](std::string& data) {
    if (looks_like_json(data)) redact_json_text(data);
  });
}

}  // namespace reprise::capture
