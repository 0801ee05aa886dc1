#include "capture/Redactor.hpp"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "InputError.hpp"
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
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot be read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(path, "", "is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "headers" && it.key() != "fields" && it.key() != "json_paths")
      throw InputError(path, "field " + it.key(), "is not a rule (headers, fields, json_paths)");
  for (auto& h : string_list(j, "headers", path)) headers.push_back(h);
  for (auto& f : string_list(j, "fields", path)) fields.push_back(f);
  for (auto& p : string_list(j, "json_paths", path)) json_paths.push_back(p);
}

Redactor::Redactor(RedactionRules rules) : rules_(std::move(rules)) {}

bool Redactor::is_placeholder(std::string_view s) { return s.starts_with("{{redacted:") && s.ends_with("}}"); }

bool Redactor::is_secret_field(std::string_view name) const {
  for (const auto& f : rules_.fields)
    if (iequals(name, f)) return true;
  return false;
}

std::string Redactor::placeholder(const std::string& secret, const std::string& kind) {
  if (secret.empty() || is_placeholder(secret)) return secret;
  ++counts_[kind];
  auto [it, fresh] = placeholders_.try_emplace(secret);
  if (fresh) it->second = "{{redacted:" + std::to_string(placeholders_.size()) + "}}";
  return it->second;
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
    redact_json_text(body.data);
    if (!rules_.json_paths.empty()) redact_json_paths(body.data);
  } else if (type.find("x-www-form-urlencoded") != std::string_view::npos) {
    redact_form(body.data, "form");
  }
  if (whole) body.size = body.data.size();
}

// Scans JSON text token by token, so that a body cut at the body limit is redacted too and
// the text keeps its own formatting.
void Redactor::redact_json_text(std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '"') {
      out += text[i++];
      continue;
    }
    size_t end = skip_string(text, i);
    if (end == npos) {
      out.append(text, i, npos);
      break;
    }
    std::string key = text.substr(i + 1, end - i - 2);
    out.append(text, i, end - i);
    i = end;
    size_t colon = skip_space(text, i);
    if (colon >= text.size() || text[colon] != ':' || !is_secret_field(key)) continue;
    size_t value = skip_space(text, colon + 1);
    if (value >= text.size() || text[value] != '"') continue;
    size_t value_end = skip_string(text, value);
    size_t content_end = value_end == npos ? text.size() : value_end - 1;
    out.append(text, i, value + 1 - i);
    out += placeholder(text.substr(value + 1, content_end - value - 1), "json " + key);
    out += '"';
    i = value_end == npos ? text.size() : value_end;
  }
  text = std::move(out);
}

void Redactor::redact_json_paths(std::string& text) {
  auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded()) return;
  bool changed = false;
  for (const auto& path : rules_.json_paths) {
    nlohmann::ordered_json* node = &doc;
    size_t start = 0;
    while (node && start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == npos ? npos : dot - start);
      node = (node->is_object() && node->contains(key)) ? &(*node)[key] : nullptr;
      if (dot == npos) break;
      start = dot + 1;
    }
    if (node && node->is_string()) {
      *node = placeholder(node->get<std::string>(), "json " + path);
      changed = true;
    }
  }
  if (changed) text = doc.dump();
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
