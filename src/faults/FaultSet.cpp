#include "faults/FaultSet.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include "Duration.hpp"
#include "InputError.hpp"
#include "JsonFile.hpp"
#include "faults/FaultKinds.hpp"
#include "http/PercentEncoding.hpp"

namespace reprise::faults {
namespace {

using Json = nlohmann::json;

const std::set<std::string> kCommon = {"name", "match", "percent", "direction", "window"};

std::vector<std::pair<std::string, std::string>> pairs(const KindReader& r, const char* key) {
  const Json& v = r.j.at(key);
  if (!v.is_object()) r.fail(key, "must be an object {\"name\": \"value\"}");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_string()) r.fail(std::string(key) + "." + it.key(), "must be a string");
    out.emplace_back(it.key(), it.value().get<std::string>());
  }
  return out;
}

std::string kind_names() {
  std::string names;
  for (const auto& [k, parse] : fault_kinds()) names += (names.empty() ? "" : ", ") + k;
  return names;
}

Match parse_match(const KindReader& r) {
  r.only({"method", "path", "header", "query"});
  Match m;
  if (r.has("method")) m.method = r.text("method");
  if (r.has("path")) {
    std::string path = r.text("path");
    if (path.empty() || path.front() != '/')
      r.fail("path", "must start with '/' (\"/api/rooms/*/messages\")");
    m.path.emplace(path);
  }
  if (r.has("header")) m.headers = pairs(r, "header");
  if (r.has("query")) m.query = pairs(r, "query");
  return m;
}

// The value of `name` in a query string ("a=1&b=2"), percent-decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (http::url_decode(pair.substr(0, eq), http::UrlPart::query) == name)
      return eq == std::string_view::npos ? std::string()
                                          : http::url_decode(pair.substr(eq + 1), http::UrlPart::query);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

Match Match::parse(const nlohmann::json& j, const std::string& file, const std::string& field) {
  if (!j.is_object()) throw InputError(file, field, "must be an object {\"method\", \"path\", \"header\", \"query\"}");
  return parse_match(KindReader{j, file, field});
}

bool Match::matches(const http::MessageHead& request) const {
  if (!method.empty() && !http::iequals(method, request.method)) return false;
  if (path && !path->matches(request.target)) return false;
  for (const auto& [name, value] : headers) {
    bool found = false;
    for (const auto& h : request.headers)
      found |= http::iequals(h.name, name) && (value.empty() || h.value == value);
    if (!found) return false;
  }
  if (query.empty()) return true;
  size_t q = request.target.find('?');
  std::string_view qs = q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
  qs = qs.substr(0, qs.find('#'));
  for (const auto& [name, value] : query) {
    auto got = query_value(qs, name);
    if (!got || (!value.empty() && *got != value)) return false;
  }
  return true;
}

Fault FaultSet::parse_fault(const Json& j, const std::string& file, const std::string& field) {
  KindReader r{j, file, field};
  if (!j.is_object()) r.fail("", "must be an object {\"name\": ..., \"<kind>\": {...}}");
  Fault f;
  f.source = j;
  if (!r.has("name")) r.fail("", "needs a \"name\"");
  f.name = r.text("name");
  if (f.name.empty() || f.name.size() > 100 || !std::all_of(f.name.begin(), f.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      }))
    r.fail("name", "must be 1 to 100 of A-Z, a-z, 0-9, '-', '_' and '.' (it is a URL path segment)");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (kCommon.count(it.key())) continue;
    if (!f.kind.empty())
      r.fail(it.key(), "is a second kind (a fault has one of " + f.kind + " and " + it.key() + ")");
    auto kind = fault_kinds().find(it.key());
    if (kind == fault_kinds().end())
      r.fail(it.key(), "is not a fault kind or setting (kinds: " + kind_names() + ")");
    f.kind = it.key();
    f.action = kind->second(KindReader{it.value(), file, field + "." + it.key()});
  }
  if (f.kind.empty()) r.fail("", "names no kind (" + kind_names() + ")");
  if (r.has("match")) f.match = Match::parse(j["match"], file, field + ".match");
  if (r.has("percent")) f.percent = r.number("percent", 0, 100);
  auto direction = f.action->default_direction();
  if (r.has("direction")) {
    std::string d = r.text("direction");
    if (!direction) r.fail("direction", "means nothing for " + f.kind);
    if (d != "upstream" && d != "downstream") r.fail("direction", "must be \"upstream\" or \"downstream\"");
    direction = d == "upstream" ? Direction::upstream : Direction::downstream;
  }
  f.direction = direction.value_or(Direction::upstream);
  if (r.has("window")) {
    KindReader w{j["window"], file, field + ".window"};
    w.only({"start", "end"});
    Duration start = w.has("start") ? w.duration("start") : Duration{0};
    Duration end = w.has("end") ? w.duration("end") : Duration::max();
    if (end <= start) w.fail("end", "must come after start");
    f.window.emplace(start, end);
  }
  return f;
}

FaultSet FaultSet::parse(const Json& j, const std::string& file) {
  if (!j.is_object() || !j.contains("faults") || !j["faults"].is_array())
    throw InputError(file, "", "must be {\"faults\": [...]}");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "faults")
      throw InputError(file, "field " + it.key(), "is not known (the file holds \"faults\")");
  FaultSet set;
  for (size_t i = 0; i < j["faults"].size(); ++i) {
    std::string field = "faults[" + std::to_string(i) + "]";
    Fault f = parse_fault(j["faults"][i], file, field);
    if (set.find(f.name))
      throw InputError(file, "field " + field + ".name", "'" + f.name + "' is given twice");
    set.faults_.push_back(std::move(f));
  }
  return set;
}

FaultSet FaultSet::load(const std::string& path) { return parse(read_json_file(path), path); }

bool FaultSet::put(Fault fault) {
  for (auto& f : faults_)
    if (f.name == fault.name) {
      f = std::move(fault);
      return true;
    }
  faults_.push_back(std::move(fault));
  return false;
}

void FaultSet::scale_windows(double factor) {
  auto scaled = [factor](Duration d) {
    return d == Duration::max() ? d : Duration(static_cast<int64_t>(static_cast<double>(d.count()) * factor));
  };
  for (auto& f : faults_)
    if (f.window) f.window = {scaled(f.window->first), scaled(f.window->second)};
}

bool FaultSet::remove(const std::string& name) {
  return std::erase_if(faults_, [&](const Fault& f) { return f.name == name; }) > 0;
}

const Fault* FaultSet::find(const std::string& name) const {
  for (const auto& f : faults_)
    if (f.name == name) return &f;
  return nullptr;
}

Json FaultSet::to_json() const {
  Json list = Json::array();
  for (const auto& f : faults_) list.push_back(f.source);
  return {{"faults", list}};
}

}  // namespace reprise::faults
