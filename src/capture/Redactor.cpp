#include "capture/Redactor.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "InputError.hpp"
#include "InputFile.hpp"
#include "http/MessageHead.hpp"

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

// Index just past the JSON string that opens at `start`, or npos when it is cut off.
size_t skip_string(const std::string& text, size_t start) {
  for (size_t j = start + 1; j < text.size(); ++j) {
    if (text[j] == '\\') ++j;
    else if (text[j] == '"') return j + 1;
  }
  return npos;
}

size_t skip_space(const std::string& text, size_t i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
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
  return {{"authorization", "proxy-authorization", "cookie", "set-cookie"},
          {"password", "access_token", "refresh_token", "token", "secret"},
          {}};
}

void RedactionRules::add_file(const std::string& path) {
  std::ifstream in = open_input_file(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(path, "", "is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "headers" && it.key() != "fields" && it.key() != "json_paths")
      throw InputError(path, "field " + it.key(), "is not a rule (headers, fields, json_paths)");
  for (auto& h : string_list(j, "headers", path)) headers.push_back(h);
  for (auto& f : string_list(j, "fields", path)) fields.push_back(f);
  for (auto& p : string_list(j, "json_paths", path)) json_paths.push_back(p);
}

Redactor::Redactor(RedactionRules rules) : rules_(std::move(rules)) {
  for (const auto& f : rules_.fields) {
    std::string lower = f;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lowered_fields_.push_back(std::move(lower));
  }
}

bool Redactor::is_placeholder(std::string_view s) { return s.starts_with("{{redacted:") && s.ends_with("}}"); }

// A quick look before the token-by-token scan: most bodies name no secret field at all.
bool Redactor::mentions_a_field(std::string_view text) const {
  thread_local std::string lowered;
  lowered.assign(text);
  for (char& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  for (const auto& f : lowered_fields_)
    if (lowered.find(f) != std::string::npos) return true;
  return false;
}

bool Redactor::is_secret_field(std::string_view name) const {
  for (const auto& f : rules_.fields)
    if (iequals(name, f)) return true;
  return false;
}

std::string Redactor::placeholder(const std::string& secret, const std::string& kind) {
  if (secret.empty() || is_placeholder(secret)) return secret;
  ++counts_[kind];
  auto [it, fresh] = placeholders_.try_emplace(std::hash<std::string>{}(secret), placeholders_.size() + 1);
  return "{{redacted:" + std::to_string(it->second) + "}}";
}

void Redactor::redact(Exchange& x) {
  redact_headers(x.req.headers);
  if (size_t q = x.req.target.find('?'); q != npos) {
    std::string query = x.req.target.substr(q + 1);
    redact_form(query, "query");
    x.req.target.resize(q + 1);
    x.req.target += query;
  }
  redact_body(x.req.body, x.req.headers);
  if (x.res) {
    redact_headers(x.res->headers);
    redact_body(x.res->body, x.res->headers);
  }
}

void Redactor::redact_headers(HeaderList& headers) {
  for (auto& [name, value] : headers) {
    bool listed = false;
    for (const auto& h : rules_.headers) listed = listed || iequals(name, h);
    if (!listed) continue;
    std::string kind = "header " + name;
    if (iequals(name, "cookie")) {
      value = redact_cookie_list(value, ';', false);
    } else if (iequals(name, "set-cookie")) {
      value = redact_cookie_list(value, ';', true);
    } else if (iequals(name, "authorization") || iequals(name, "proxy-authorization")) {
      size_t space = value.find(' ');  // keep the scheme: "Bearer {{redacted:1}}"
      value = space == npos ? placeholder(value, kind)
                            : value.substr(0, space + 1) + placeholder(std::string(trim(value.substr(space + 1))), kind);
    } else {
      value = placeholder(value, kind);
    }
  }
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
      out.append(part.substr(0, eq + 1)).append(placeholder(std::string(trim(part.substr(eq + 1))), "cookie " + name));
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
  size_t first = skip_space(body.data, 0);
  bool json_like = type.find("json") != std::string_view::npos ||
                   (first < body.data.size() && (body.data[first] == '{' || body.data[first] == '['));
  if (json_like) {
    if (!rules_.json_paths.empty() || mentions_a_field(body.data)) redact_json_text(body.data);
  } else if (type.find("x-www-form-urlencoded") != std::string_view::npos) {
    redact_form(body.data, "form");
  }
  // A cut body stays cut even when a placeholder made the kept part longer than it was.
  body.size = whole ? body.data.size() : std::max<uint64_t>(body.size, body.data.size() + 1);
}

// Scans JSON text token by token, keeping the path of object keys that leads to each value, so
// that field names and JSON paths are both redacted in place: formatting is kept, and a body
// cut at the body limit is redacted up to where it stops.
void Redactor::redact_json_text(std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::vector<std::string> path;  // one entry per open object or array ("" for arrays)
  std::string key;                // the key whose value comes next, in the innermost object
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '{' || c == '[') {
      path.push_back(c == '{' ? key : "[");
      key.clear();
    } else if ((c == '}' || c == ']') && !path.empty()) {
      path.pop_back();
    }
    if (c != '"') {
      out += c;
      ++i;
      continue;
    }
    size_t end = skip_string(text, i);
    size_t content_end = end == npos ? text.size() : end - 1;
    std::string token = text.substr(i + 1, content_end - i - 1);
    size_t after = end == npos ? text.size() : skip_space(text, end);
    if (after < text.size() && text[after] == ':') {  // a key: remember it, copy it
      key = std::move(token);
      out.append(text, i, end - i);
      i = end;
      continue;
    }
    std::string kind = secret_kind(path, key);
    if (kind.empty()) out.append(text, i, end == npos ? npos : end - i);
    else out.append("\"").append(placeholder(token, kind)).append("\"");  // a cut value is closed too
    i = end == npos ? text.size() : end;
    key.clear();
  }
  text = std::move(out);
}

// "json <field>" when the value under `key` at `path` is a secret by field name or JSON path.
std::string Redactor::secret_kind(const std::vector<std::string>& path, const std::string& key) const {
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

void Redactor::redact_form(std::string& text, const char* kind) {
  std::string out;
  std::string_view rest = text;
  while (true) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_field(pair.substr(0, eq)))
      out.append(pair.substr(0, eq + 1))
          .append(placeholder(std::string(pair.substr(eq + 1)), std::string(kind) + " " + std::string(pair.substr(0, eq))));
    else
      out.append(pair);
    if (amp == std::string_view::npos) break;
    out += '&';
    rest.remove_prefix(amp + 1);
  }
  text = std::move(out);
}

}  // namespace reprise::capture
