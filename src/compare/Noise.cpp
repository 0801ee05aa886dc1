#include "compare/Noise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "InputError.hpp"
#include "capture/IdNames.hpp"

namespace reprise::compare {
namespace {

bool all_of(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(), [&](unsigned char c) { return pred(c) != 0; });
}

bool iso_timestamp(std::string_view s) {  // 2026-11-25T13:45:01 (a date and a time)
  if (s.size() < 16) return false;
  auto digits = [&](size_t at, size_t n) { return all_of(s.substr(at, n), isdigit); };
  return digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2) &&
         (s[10] == 'T' || s[10] == ' ') && digits(11, 2) && s[13] == ':' && digits(14, 2);
}

bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

bool long_hex(std::string_view s) { return s.size() >= 16 && all_of(s, isxdigit); }

bool jwt(std::string_view s) {  // three base64url parts
  if (s.size() < 20 || std::count(s.begin(), s.end(), '.') != 2) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '=';
  });
}

bool epoch(const nlohmann::json& j) {  // seconds or milliseconds between 2001 and 2286
  if (!j.is_number()) return false;
  double v = j.get<double>();
  return (v >= 1e9 && v < 1e10) || (v >= 1e12 && v < 1e13);
}

bool volatile_value(const nlohmann::json& j) {
  if (epoch(j)) return true;
  if (!j.is_string()) return false;
  const auto& s = j.get_ref<const std::string&>();
  return iso_timestamp(s) || uuid(s) || long_hex(s) || jwt(s);
}

bool identifier(std::string_view key) {
  return !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
         std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The shape of a request body: its keys and value types, nested, arrays by their first element.
void shape(const nlohmann::json& j, std::string& out) {
  if (j.is_object()) {
    out += '{';
    for (const auto& [k, v] : j.items()) {
      out.append(k).append(":");
      shape(v, out);
      out += ',';
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    if (!j.empty()) shape(j.front(), out);
    out += ']';
  } else {
    out += type_name(j);
  }
}

}  // namespace

std::string type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    default: return "number";
  }
}

void append_key(std::string& path, std::string_view key) {
  if (identifier(key)) {
    path.append(".").append(key);
    return;
  }
  path.append("['");
  for (char c : key) {
    if (c == '\'' || c == '\\') path += '\\';
    path += c;
  }
  path.append("']");
}

void append_index(std::string& path, size_t i) { path.append(fmt::format("[{}]", i)); }

std::string field_name(std::string_view concrete) {
  std::string out;
  out.reserve(concrete.size());
  bool quoted = false;
  for (size_t i = 0; i < concrete.size(); ++i) {
    char c = concrete[i];
    if (quoted) {
      out += c;
      if (c == '\\' && i + 1 < concrete.size()) out += concrete[++i];
      else if (c == '\'') quoted = false;
      continue;
    }
    if (c == '\'') quoted = true;
    if (c == '[' && i + 1 < concrete.size() && std::isdigit(static_cast<unsigned char>(concrete[i + 1]))) {
      size_t end = concrete.find(']', i);
      out += "[*]";
      i = end;
      continue;
    }
    out += c;
  }
  return out;
}

bool volatile_values(std::string_view key, const nlohmann::json& recorded, const nlohmann::json& live) {
  if (recorded.is_string() && recorded.get_ref<const std::string&>().find("{{redacted:") != std::string::npos)
    return true;
  if (!key.empty() && capture::id_named(key) && (recorded.is_number() || recorded.is_string())) return true;
  return volatile_value(recorded) && volatile_value(live);
}

// ---- hand-written rules

std::vector<IgnoreRules::Segment> IgnoreRules::split(std::string_view path, bool pattern, const std::string& file,
                                                     const std::string& field) {
  auto bad = [&](const std::string& why) {
    throw InputError(file, field, fmt::format("ignore rule \"{}\": {}", path, why));
  };
  std::vector<Segment> out;
  size_t i = 1;  // past "$"
  while (i < path.size()) {
    if (path.substr(i, 2) == "..") {
      out.push_back({Segment::Kind::descend, {}});
      ++i;  // the name follows as a ".name" step
      size_t end = std::min(path.find_first_of(".[", i + 1), path.size());
      if (end == i + 1 && pattern) bad("\"..\" must be followed by a name");
      out.push_back({Segment::Kind::key, std::string(path.substr(i + 1, end - i - 1))});
      i = end;
    } else if (path[i] == '.') {
      size_t end = std::min(path.find_first_of(".[", i + 1), path.size());
      std::string_view key = path.substr(i + 1, end - i - 1);
      if (key.empty() && pattern) bad("an empty name");
      out.push_back(key == "*" ? Segment{Segment::Kind::any_key, {}} : Segment{Segment::Kind::key, std::string(key)});
      i = end;
    } else if (path.substr(i, 2) == "['") {
      std::string key;
      size_t j = i + 2;
      for (; j < path.size() && path[j] != '\''; ++j) {
        if (path[j] == '\\' && j + 1 < path.size()) ++j;
        key += path[j];
      }
      if (path.substr(j, 2) != "']") {
        if (pattern) bad("a quoted name without its closing \"']\"");
        break;
      }
      out.push_back({Segment::Kind::key, std::move(key)});
      i = j + 2;
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string_view::npos) {
        if (pattern) bad("a \"[\" without its \"]\"");
        break;
      }
      std::string_view inside = path.substr(i + 1, end - i - 1);
      if (pattern && !inside.empty() && (inside[0] == '"' || inside[0] == '\''))
        bad("a quoted name is written ['name']");
      if (pattern && inside != "*" && (inside.empty() || !all_of(inside, isdigit)))
        bad("an index must be [*] or a number");
      out.push_back({Segment::Kind::any_index, {}});  // every index is one field
      i = end + 1;
    } else {
      if (pattern) bad(fmt::format("unexpected \"{}\" at character {}", path[i], i + 1));
      break;
    }
  }
  return out;
}

IgnoreRules::IgnoreRules(const std::vector<std::string>& rules, const std::string& file, const std::string& field) {
  for (const auto& rule : rules) {
    if (rule.empty()) throw InputError(file, field, "an empty ignore rule");
    written_.push_back(rule);
    if (rule[0] == '$') {
      paths_.push_back(split(rule, true, file, field));
      continue;
    }
    std::string name(rule);
    const bool token = std::all_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (!token) throw InputError(file, field, fmt::format("ignore rule \"{}\": not a JSON path ($...) nor a header name", rule));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    headers_.insert(std::move(name));
  }
}

bool IgnoreRules::match(const std::vector<Segment>& pattern, size_t p, const std::vector<Segment>& path, size_t i) {
  if (p == pattern.size()) return i == path.size();
  const Segment& s = pattern[p];
  if (s.kind == Segment::Kind::descend) {
    for (size_t k = i; k <= path.size(); ++k)
      if (match(pattern, p + 1, path, k)) return true;
    return false;
  }
  if (i == path.size()) return false;
  const Segment& at = path[i];
  bool ok = s.kind == Segment::Kind::any_key   ? at.kind == Segment::Kind::key
            : s.kind == Segment::Kind::any_index ? at.kind == Segment::Kind::any_index
                                                 : at.kind == Segment::Kind::key && at.key == s.key;
  return ok && match(pattern, p + 1, path, i + 1);
}

bool IgnoreRules::path(std::string_view json_path) const {
  if (paths_.empty()) return false;
  auto concrete = split(json_path, false, {}, {});
  return std::any_of(paths_.begin(), paths_.end(), [&](const auto& p) { return match(p, 0, concrete, 0); });
}

bool IgnoreRules::header(std::string_view lower_name) const { return headers_.count(lower_name) > 0; }

// ---- learned

const KindNoise::Place* KindNoise::place(std::string_view path) const {
  auto it = places.find(path);
  return it == places.end() ? nullptr : &it->second;
}

bool KindNoise::value_varies(std::string_view path) const {
  const Place* p = place(path);
  return p && p->value_varies;
}
bool KindNoise::type_varies(std::string_view path) const {
  const Place* p = place(path);
  return p && p->type_varies;
}
bool KindNoise::length_varies(std::string_view path) const {
  const Place* p = place(path);
  return p && p->length_varies;
}
bool KindNoise::presence_varies(std::string_view parent, std::string_view path) const {
  const Place *p = place(path), *up = place(parent);
  return p && up && p->seen < up->seen;
}
bool KindNoise::header_varies(std::string_view name) const {
  auto it = headers.find(name);
  return it != headers.end() && it->second < answers;
}
bool KindNoise::event_type_varies(std::string_view type) const {
  auto it = event_types.find(type);
  return it != event_types.end() && it->second < streams;
}

void KindNoise::walk(const nlohmann::json& j, std::string& path) {
  auto [it, fresh] = places.try_emplace(path);
  Place& p = it->second;
  ++p.seen;
  const bool scalar = !j.is_object() && !j.is_array();
  if (fresh) {
    p.type = type_name(j);
    if (scalar) p.first = j;
    p.length = j.is_array() ? j.size() : 0;
  } else {
    if (p.type != type_name(j)) p.type_varies = true;
    if (scalar && p.first != j) p.value_varies = true;
    if (j.is_array() && p.length != j.size()) p.length_varies = true;
  }
  const size_t keep = path.size();
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      append_key(path, k);
      walk(v, path);
      path.resize(keep);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      append_index(path, i);
      walk(j[i], path);
      path.resize(keep);
    }
  }
}

void KindNoise::learn(const Answer& a) {
  ++answers;
  for (const auto& h : a.header_names) ++headers[h];
  if (a.stream) {
    if (!a.stream_whole) return;  // a cut stream says nothing of the types it would have carried
    ++streams;
    std::set<std::string_view> types(a.event_types.begin(), a.event_types.end());
    for (auto t : types) ++event_types[std::string(t)];
    return;
  }
  if (!a.has_json) return;
  std::string path = "$";
  walk(a.json, path);
}

std::string LearnedNoise::kind_of(int route, int status, const capture::Request& req) {
  std::string key = fmt::format("{}|{}|", route, status);
  std::string_view target = req.target;
  size_t q = target.find('?');
  if (q != std::string_view::npos) {  // the query's names, in order
    std::vector<std::string_view> names;
    for (std::string_view rest = target.substr(q + 1); !rest.empty();) {
      size_t amp = std::min(rest.find('&'), rest.size());
      names.push_back(rest.substr(0, std::min(rest.find('='), amp)));
      rest.remove_prefix(std::min(amp + 1, rest.size()));
    }
    std::sort(names.begin(), names.end());
    for (auto n : names) key.append(n).append("&");
  }
  key += '|';
  if (!req.body.data.empty()) {
    auto j = nlohmann::json::parse(req.body.data, nullptr, false);
    if (!j.is_discarded()) shape(j, key);
  }
  return key;
}

const KindNoise* LearnedNoise::find(const std::string& key) const {
  auto it = kinds_.find(key);
  return it == kinds_.end() ? nullptr : &it->second;
}

}  // namespace reprise::compare
