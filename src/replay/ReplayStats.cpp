#include "replay/ReplayStats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "InputError.hpp"

namespace reprise::replay {
namespace {

// The counters and histograms by name, so that writing, reading and merging name each once.
constexpr std::pair<const char*, uint64_t ReplayStats::*> kCounters[] = {
    {"iterations", &ReplayStats::iterations},
    {"dropped_iterations", &ReplayStats::dropped_iterations},
    {"http_reqs", &ReplayStats::http_reqs},
    {"http_req_failed", &ReplayStats::http_req_failed},
    {"unexpected_status", &ReplayStats::unexpected_status},
    {"transport_errors", &ReplayStats::transport_errors},
    {"data_sent", &ReplayStats::data_sent},
    {"data_received", &ReplayStats::data_received},
    {"sse_connections", &ReplayStats::sse_connections},
    {"sse_events", &ReplayStats::sse_events},
    {"interrupted", &ReplayStats::interrupted},
    {"bodies_too_big", &ReplayStats::bodies_too_big},
    {"interrupted_iterations", &ReplayStats::interrupted_iterations},
};
constexpr std::pair<const char*, metrics::Histogram ReplayStats::*> kHistograms[] = {
    {"http_req_duration", &ReplayStats::http_req_duration},
    {"http_req_waiting", &ReplayStats::http_req_waiting},
    {"sse_time_to_first_event", &ReplayStats::sse_time_to_first_event},
};

void add_series(std::vector<uint64_t>& into, const std::vector<uint64_t>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

nlohmann::ordered_json figures_json(const metrics::TagFigures& t) {
  return {{"http_reqs", t.http_reqs},
          {"http_req_failed", t.http_req_failed},
          {"http_req_duration", nlohmann::ordered_json::parse(t.http_req_duration.to_json().dump())},
          {"http_req_waiting", nlohmann::ordered_json::parse(t.http_req_waiting.to_json().dump())}};
}

}  // namespace

void ReplayStats::set_routes(const std::vector<metrics::RouteKey>& keys) {
  routes = keys;
  tags.clear();
  by_route_.assign(keys.size(), {});
}

int ReplayStats::route_index(const metrics::RouteKey& key) {
  for (size_t i = 0; i < routes.size(); ++i)
    if (routes[i] == key) return static_cast<int>(i);
  routes.push_back(key);
  by_route_.emplace_back();
  return static_cast<int>(routes.size() - 1);
}

metrics::TagFigures& ReplayStats::tagged(int route, int status) {
  auto& mine = by_route_[static_cast<size_t>(route)];
  for (uint32_t i : mine)
    if (tags[i].status == status) return tags[i].figures;
  mine.push_back(static_cast<uint32_t>(tags.size()));
  TaggedFigures& added = tags.emplace_back();
  added.route = route;
  added.status = status;
  return added.figures;
}

metrics::TagKey ReplayStats::key(const TaggedFigures& t) const {
  const auto& route = routes[static_cast<size_t>(t.route)];
  return {route.name, route.method, t.status};
}

metrics::TagFigures ReplayStats::matching(const std::map<std::string, std::string>& filter) const {
  metrics::TagFigures out;
  for (const auto& t : tags)
    if (key(t).matches(filter)) out.add(t.figures);
  return out;
}

metrics::FiguresByTag ReplayStats::by_tag() const {
  metrics::FiguresByTag out;
  for (const auto& t : tags) out[key(t)].add(t.figures);
  return out;
}

void ReplayStats::count_step(int step, int status, uint64_t n) {
  auto at = static_cast<size_t>(step);
  if (at >= step_statuses.size()) step_statuses.resize(at + 1);
  for (auto& [s, count] : step_statuses[at])
    if (s == status) {
      count += n;
      return;
    }
  step_statuses[at].emplace_back(status, n);
}

void ReplayStats::count_at(std::vector<uint64_t>& per_second, int64_t us) {
  size_t second = us <= 0 ? 0 : static_cast<size_t>(us / 1'000'000);
  if (second >= per_second.size()) per_second.resize(second + 1);
  ++per_second[second];
}

void ReplayStats::merge(const ReplayStats& o) {
  for (auto [name, m] : kCounters) this->*m += o.*m;
  baseline_unanswered += o.baseline_unanswered;
  vus_max += o.vus_max;
  vus += o.vus;
  sse_open += o.sse_open;
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  add_series(iterations_per_second, o.iterations_per_second);
  add_series(reqs_per_second, o.reqs_per_second);
  for (auto [name, m] : kHistograms) (this->*m).merge(o.*m);
  sse_open_peak += o.sse_open_peak;
  for (const auto& t : o.tags)
    tagged(route_index(o.routes[static_cast<size_t>(t.route)]), t.status).add(t.figures);
  for (size_t i = 0; i < o.step_statuses.size(); ++i)
    for (auto [status, n] : o.step_statuses[i]) count_step(static_cast<int>(i), status, n);
  if (!o.diffs.empty())
    diffs.merge(o.diffs, [&](size_t r) { return static_cast<size_t>(route_index(o.routes[r])); });
}

namespace {

// Answers by class in `s` ("2xx", "4xx", "none": no answer), less those in `before`.
nlohmann::json status_classes(const ReplayStats& before, const ReplayStats& s) {
  uint64_t by_class[6] = {};
  for (size_t code = 0; code < s.status.size(); ++code)
    by_class[code / 100] += s.status[code] - before.status[code];
  return {{"none", by_class[0]}, {"1xx", by_class[1]}, {"2xx", by_class[2]},
          {"3xx", by_class[3]},  {"4xx", by_class[4]}, {"5xx", by_class[5]}};
}

// The figures of each name tag (every method and status), by name.
std::map<std::string, metrics::TagFigures> by_name(const ReplayStats& s) {
  std::map<std::string, metrics::TagFigures> out;
  for (const auto& t : s.tags) out[s.routes[static_cast<size_t>(t.route)].name].add(t.figures);
  return out;
}

}  // namespace

nlohmann::json ReplayStats::timeline_point(const ReplayStats& before, const ReplayStats& now, double t) {
  auto names_before = by_name(before);
  nlohmann::json point = {{"t", std::round(t * 1000) / 1000},
                          {"http_reqs", now.http_reqs - before.http_reqs},
                          {"http_req_failed", now.http_req_failed - before.http_req_failed},
                          {"iterations", now.iterations - before.iterations},
                          {"dropped_iterations", now.dropped_iterations - before.dropped_iterations},
                          {"vus", now.vus},
                          {"sse_open", now.sse_open},
                          {"status", status_classes(before, now)},
                          {"tags", nlohmann::json::object()}};
  for (const auto& [name, fig] : by_name(now)) {
    const metrics::TagFigures& old = names_before[name];
    if (fig.http_reqs == old.http_reqs && fig.http_req_duration.count() == old.http_req_duration.count())
      continue;  // nothing new for this tag in the interval
    point["tags"][name] = {
        {"http_reqs", fig.http_reqs - old.http_reqs},
        {"http_req_failed", fig.http_req_failed - old.http_req_failed},
        {"http_req_duration", fig.http_req_duration.since(old.http_req_duration).to_json()}};
  }
  return point;
}

void ReplayStats::add_timeline(nlohmann::json& into, const nlohmann::json& from, const std::string& file) {
  if (!from.is_array()) throw InputError(file, "field timeline", "must be a list of points");
  static const char* kCounts[] = {"http_reqs", "http_req_failed", "iterations", "dropped_iterations",
                                  "vus",       "sse_open"};
  for (size_t i = 0; i < from.size(); ++i) {
    const auto& p = from[i];
    const std::string field = "timeline[" + std::to_string(i) + "]";
    auto bad = [&](const std::string& what) { throw InputError(file, "field " + field, what); };
    if (!p.is_object() || !p.contains("t") || !p["t"].is_number() || !p.contains("tags") ||
        !p["tags"].is_object())
      bad("must be {t, counts, tags}");
    if (into.size() <= i) into.push_back({{"t", 0.0}, {"tags", nlohmann::json::object()}});
    auto& to = into[i];
    to["t"] = std::max(to["t"].get<double>(), p["t"].get<double>());
    for (const char* key : kCounts) {
      if (!p.contains(key) || !p[key].is_number_unsigned()) bad(std::string(key) + " must be a count");
      to[key] = to.value(key, uint64_t{0}) + p[key].get<uint64_t>();
    }
    if (p.contains("status")) {  // answers by class (summaries from before it was kept have none)
      if (!p["status"].is_object()) bad("status must be {class: count}");
      if (!to.contains("status")) to["status"] = nlohmann::json::object();
      for (auto it = p["status"].begin(); it != p["status"].end(); ++it) {
        if (!it.value().is_number_unsigned()) bad("status." + it.key() + " must be a count");
        to["status"][it.key()] = to["status"].value(it.key(), uint64_t{0}) + it.value().get<uint64_t>();
      }
    }
    for (auto it = p["tags"].begin(); it != p["tags"].end(); ++it) {
      const auto& tag = it.value();
      const std::string at = field + ".tags." + it.key();
      if (!tag.is_object() || !tag.contains("http_reqs") || !tag["http_reqs"].is_number_unsigned() ||
          !tag.contains("http_req_failed") || !tag["http_req_failed"].is_number_unsigned() ||
          !tag.contains("http_req_duration"))
        throw InputError(file, "field " + at, "must be {http_reqs, http_req_failed, http_req_duration}");
      auto& mine = to["tags"][it.key()];
      auto duration =
          metrics::Histogram::from_json(tag["http_req_duration"], file, at + ".http_req_duration");
      if (mine.is_null()) {
        mine = {{"http_reqs", 0}, {"http_req_failed", 0}};
      } else {
        duration.merge(metrics::Histogram::from_json(mine["http_req_duration"], file, at));
      }
      mine["http_reqs"] = mine["http_reqs"].get<uint64_t>() + tag["http_reqs"].get<uint64_t>();
      mine["http_req_failed"] =
          mine["http_req_failed"].get<uint64_t>() + tag["http_req_failed"].get<uint64_t>();
      mine["http_req_duration"] = duration.to_json();
    }
  }
}

void ReplayStats::write(nlohmann::ordered_json& j) const {
  auto& counters = j["counters"] = nlohmann::ordered_json::object();
  for (auto [name, m] : kCounters) counters[name] = this->*m;
  j["vus_max"] = vus_max;
  auto& by_status = j["status"] = nlohmann::ordered_json::object();
  for (size_t code = 0; code < status.size(); ++code)
    if (status[code]) by_status[code == 0 ? "none" : std::to_string(code)] = status[code];
  j["per_second"] = {{"iterations", iterations_per_second}, {"http_reqs", reqs_per_second}};
  auto& histograms = j["histograms"] = nlohmann::ordered_json::object();
  for (auto [name, m] : kHistograms)
    histograms[name] = nlohmann::ordered_json::parse((this->*m).to_json().dump());
  j["sse_open_peak"] = sse_open_peak;
  // By name tag, its figures in all, then "by" method and status (what merge reads back).
  auto& by_tag = j["tags"] = nlohmann::ordered_json::object();
  for (const auto& [name, all] : by_name(*this)) {
    auto& out = by_tag[name] = figures_json(all);
    auto& by = out["by"] = nlohmann::ordered_json::array();
    for (const auto& t : tags) {
      const auto& key = routes[static_cast<size_t>(t.route)];
      if (key.name != name) continue;
      nlohmann::ordered_json one = {{"method", key.method}, {"status", t.status}};
      one.update(figures_json(t.figures));
      by.push_back(std::move(one));
    }
  }
  if (!diffs.empty()) j["response_diffs"] = diffs.to_json(routes);
}

void ReplayStats::add_summary(const nlohmann::json& j, const std::string& file) {
  auto need = [&](const char* key, bool ok) {
    if (!ok) throw InputError(file, std::string("field ") + key, "is missing or has the wrong type");
  };
  need("counters", j.contains("counters") && j["counters"].is_object());
  for (auto [name, m] : kCounters) {
    const auto& c = j["counters"];
    need(name, c.contains(name) && c[name].is_number_unsigned());
    this->*m += c[name].get<uint64_t>();
  }
  need("vus_max", j.contains("vus_max") && j["vus_max"].is_number_unsigned());
  vus_max += j["vus_max"].get<uint64_t>();
  need("status", j.contains("status") && j["status"].is_object());
  for (auto it = j["status"].begin(); it != j["status"].end(); ++it) {
    int code = -1;
    const std::string& key = it.key();
    if (key == "none")
      code = 0;
    else if (key.size() == 3 &&
             std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
      code = std::stoi(key);
    need("status", code >= 0 && code < static_cast<int>(status.size()) && it.value().is_number_unsigned());
    status[static_cast<size_t>(code)] += it.value().get<uint64_t>();
  }
  need("per_second", j.contains("per_second") && j["per_second"].is_object());
  for (auto [key, series] :
       {std::pair{"iterations", &iterations_per_second}, std::pair{"http_reqs", &reqs_per_second}}) {
    const auto& s = j["per_second"];
    need(key, s.contains(key) && s[key].is_array());
    std::vector<uint64_t> values;
    for (const auto& v : s[key]) {
      need(key, v.is_number_unsigned());
      values.push_back(v.get<uint64_t>());
    }
    add_series(*series, values);
  }
  need("sse_open_peak", j.contains("sse_open_peak") && j["sse_open_peak"].is_number_unsigned());
  sse_open_peak += j["sse_open_peak"].get<uint64_t>();
  need("tags", j.contains("tags") && j["tags"].is_object());
  for (auto it = j["tags"].begin(); it != j["tags"].end(); ++it) {
    need("tags", it.value().is_object() && it.value().contains("by") && it.value()["by"].is_array());
    const auto& by = it.value()["by"];
    for (size_t i = 0; i < by.size(); ++i) {
      const auto& t = by[i];
      std::string field = "tags." + it.key() + ".by[" + std::to_string(i) + "]";
      need(field.c_str(), t.is_object() && t.contains("method") && t["method"].is_string() &&
                              t.contains("status") && t["status"].is_number_unsigned() &&
                              t.contains("http_reqs") && t["http_reqs"].is_number_unsigned() &&
                              t.contains("http_req_failed") && t["http_req_failed"].is_number_unsigned() &&
                              t.contains("http_req_duration") && t.contains("http_req_waiting"));
      metrics::TagFigures& into =
          tagged(route_index({it.key(), t["method"].get<std::string>()}),
                 static_cast<int>(std::min<uint64_t>(t["status"].get<uint64_t>(), 599)));
      into.http_reqs += t["http_reqs"].get<uint64_t>();
      into.http_req_failed += t["http_req_failed"].get<uint64_t>();
      into.http_req_duration.merge(
          metrics::Histogram::from_json(t["http_req_duration"], file, field + ".http_req_duration"));
      into.http_req_waiting.merge(
          metrics::Histogram::from_json(t["http_req_waiting"], file, field + ".http_req_waiting"));
    }
  }
  if (j.contains("response_diffs"))
    diffs.add_json(j["response_diffs"], [&](const metrics::RouteKey& k) { return static_cast<size_t>(route_index(k)); },
                   file);
  need("histograms", j.contains("histograms") && j["histograms"].is_object());
  for (auto [name, m] : kHistograms) {
    need(name, j["histograms"].contains(name));
    (this->*m).merge(
        metrics::Histogram::from_json(j["histograms"][name], file, std::string("histograms.") + name));
  }
}

}  // namespace reprise::replay
