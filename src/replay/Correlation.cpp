#include "replay/Correlation.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace reprise::replay {
namespace {

using Json = nlohmann::json;

bool listed(const std::vector<std::string>& names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool scalar_text(const Json& v, std::string& out) {
  if (v.is_string())
    out = v.get_ref<const std::string&>();
  else if (v.is_number_unsigned())
    out = std::to_string(v.get<uint64_t>());
  else if (v.is_number_integer())
    out = std::to_string(v.get<int64_t>());
  else
    return false;
  return true;
}

// The JSON pointer of `tokens` ("/user/tokens/0"), each escaped as RFC 6901 says.
std::string pointer_text(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';
    for (char c : t) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
  }
  return out;
}

// Every handout in `j`, whose place is `at` (a leaf's pointer is built only when it is one).
void walk(const Json& j, std::vector<std::string>& at, std::string_view key, const CorrelateRules& rules,
          bool automatic, std::vector<Handout>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      at.push_back(it.key());
      walk(it.value(), at, it.key(), rules, automatic, out);
      at.pop_back();
    }
    return;
  }
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      at.push_back(std::to_string(i));
      walk(j[i], at, key, rules, automatic, out);
      at.pop_back();
    }
    return;
  }
  const bool text = j.is_string(), id = j.is_number_integer();
  if ((!text && !id) || (text && j.get_ref<const std::string&>().empty())) return;
  const bool forced = listed(rules.json_fields, key);
  const bool wanted = forced || (automatic && !listed(rules.ignore, key) &&
                                 (text ? j.get_ref<const std::string&>().size() >= 4 : id_named(key)));
  if (!wanted) return;
  Handout h{Handout::From::json, pointer_text(at), {}, id, forced};
  scalar_text(j, h.value);
  out.push_back(std::move(h));
}

// "sid=abc; Path=/; HttpOnly" → name "sid", value "abc".
bool split_cookie(std::string_view set_cookie, std::string_view& name, std::string_view& value) {
  size_t eq = set_cookie.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  name = set_cookie.substr(0, eq);
  value = set_cookie.substr(eq + 1, set_cookie.find(';') == std::string_view::npos
                                        ? std::string_view::npos
                                        : set_cookie.find(';') - eq - 1);
  return !value.empty();
}

// True when `path` has `segment` as a whole segment ("/api/chat/rooms" has "rooms").
bool names_segment(std::string_view path, std::string_view segment) {
  for (size_t at = path.find(segment); at != std::string_view::npos; at = path.find(segment, at + 1)) {
    size_t end = at + segment.size();
    if (at > 0 && path[at - 1] == '/' && (end == path.size() || path[end] == '/')) return true;
  }
  return false;
}

}  // namespace

int handout_fit(std::string_view where, std::string_view producer_path, std::string_view key,
                std::string_view segment) {
  std::string_view last = where.substr(where.rfind('/') + 1);  // "/messages/0/room_id" → "room_id"
  int score = 0;
  if (!key.empty() && last == key) score += 4;
  if (!segment.empty() && names_segment(producer_path, segment)) score += 2;
  if (last == "id") score += 1;
  return score;
}

std::string Handout::describe() const {
  switch (from) {
    case From::json:
      return "json " + where;
    case From::cookie:
      return "cookie " + where;
    case From::header:
      return "header " + where;
  }
  return where;
}

std::vector<Handout> find_handouts(const capture::Response& res, const CorrelateRules& rules,
                                   bool automatic) {
  std::vector<Handout> out;
  for (const auto& [name, value] : res.headers) {
    std::string_view cname, cvalue;
    if (automatic && http::iequals(name, "Set-Cookie") && split_cookie(value, cname, cvalue))
      out.push_back({Handout::From::cookie, std::string(cname), std::string(cvalue), false, false});
    for (const auto& h : rules.headers)
      if (http::iequals(name, h) && !value.empty())
        out.push_back({Handout::From::header, h, value, false, true});
  }
  if (res.body.truncated() || res.body.data.empty() || (!automatic && rules.json_fields.empty())) return out;
  Json body = Json::parse(res.body.data, nullptr, false);
  std::vector<std::string> at;
  if (!body.is_discarded() && (body.is_object() || body.is_array())) walk(body, at, {}, rules, automatic, out);
  return out;
}

void AutomaticHandouts::add(const capture::Exchange& x) {
  if (x.res) found_.try_emplace(&x, find_handouts(*x.res, CorrelateRules{}, true));
}

const std::vector<Handout>& AutomaticHandouts::of(const capture::Exchange& x) const {
  static const std::vector<Handout> none;
  auto it = found_.find(&x);
  return it == found_.end() ? none : it->second;
}

bool read_live(const Handout& h, const std::vector<http::Header>& headers, std::string& out) {
  for (const auto& [name, value] : headers) {
    std::string_view cname, cvalue;
    if (h.from == Handout::From::header && http::iequals(name, h.where)) {
      out.assign(value);
      return true;
    }
    if (h.from == Handout::From::cookie && http::iequals(name, "Set-Cookie") &&
        split_cookie(value, cname, cvalue) && cname == h.where) {
      out.assign(cvalue);
      return true;
    }
  }
  return false;
}

bool read_live(const Handout& h, const Json& body, std::string& out) {
  if (h.from != Handout::From::json || body.is_discarded()) return false;
  try {  // a live body of another shape than the recorded one may not have the place at all
    Json::json_pointer at(h.where);
    return body.contains(at) && scalar_text(body.at(at), out);
  } catch (const Json::exception&) {
    return false;
  }
}

}  // namespace reprise::replay
