// k6's --summary-export JSON of a run: one writer per kind of metric (trend, rate, counter,
// gauge), the metrics reprise measures, an entry per tagged threshold, the verdicts in k6's
// inverted booleans and a root group holding one check per route. It must not judge or write.
#include "replay/K6Summary.hpp"

#include <openssl/evp.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "replay/RunVerdicts.hpp"

namespace reprise::replay {
namespace {

using OrderedJson = nlohmann::ordered_json;
using Kind = metrics::MetricValues::Kind;

// Numbers as k6 writes them (through JavaScript's JSON.stringify): a whole number has no fraction.
OrderedJson number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

double ms(double us) { return us / 1000.0; }

// The fields of each kind, as k6's default summaryTrendStats and sinks give them.
OrderedJson trend_entry(const metrics::Histogram& h) {
  auto at = [&](double p) { return number(ms(static_cast<double>(h.percentile(p)))); };
  return {{"avg", number(ms(h.mean()))},
          {"min", number(ms(static_cast<double>(h.min())))},
          {"med", at(50)},
          {"max", number(ms(static_cast<double>(h.max())))},
          {"p(90)", at(90)},
          {"p(95)", at(95)}};
}

OrderedJson counter_entry(double count, double per_second) {
  return {{"count", number(count)}, {"rate", number(per_second)}};
}

// `trues` of `total` samples were true: k6 calls them passes whatever they mean.
OrderedJson rate_entry(uint64_t trues, uint64_t total) {
  return {{"passes", trues},
          {"fails", total - trues},
          {"value", total ? number(static_cast<double>(trues) / static_cast<double>(total)) : number(0)}};
}

OrderedJson gauge_entry(double value, double min, double max) {
  return {{"value", number(value)}, {"min", number(min)}, {"max", number(max)}};
}

// The metrics reprise measures, by name (k6's text summary's order), and their kinds.
const std::map<std::string, Kind> kKinds = {{"data_received", Kind::counter},
                                            {"data_sent", Kind::counter},
                                            {"dropped_iterations", Kind::counter},
                                            {"http_req_duration", Kind::trend},
                                            {"http_req_failed", Kind::rate},
                                            {"http_req_waiting", Kind::trend},
                                            {"http_reqs", Kind::counter},
                                            {"iterations", Kind::counter},
                                            {"response_diffs", Kind::rate},
                                            {"sse_connections", Kind::gauge},
                                            {"sse_events", Kind::counter},
                                            {"sse_time_to_first_event", Kind::trend},
                                            {"unexpected_status", Kind::counter},
                                            {"vus", Kind::gauge},
                                            {"vus_max", Kind::gauge}};

std::optional<Kind> kind_of(const std::string& metric) {
  auto it = kKinds.find(metric);
  if (it == kKinds.end()) return std::nullopt;
  return it->second;
}

// A source's gauge as k6 writes one: its last reading, its lowest and its highest. reprise's own
// gauges keep only the figure their thresholds judge (the peak), k6's `value` is the last sample.
OrderedJson gauge_of(const std::string& metric, const metrics::GaugeStats& g, const RunResult& r) {
  if (r.sources.series.count(metric)) return gauge_entry(g.last, g.min, g.max);
  const double judged = g.max;
  double min = metric == "sse_connections" ? 0 : judged;
  if (metric == "vus") {  // VUs in an iteration, sampled each second of the timeline
    for (const auto& point : r.timeline)
      if (point.contains("vus") && point["vus"].is_number()) min = std::min(min, point["vus"].get<double>());
  }
  return gauge_entry(judged, min, judged);
}

OrderedJson empty_entry(Kind kind) {
  switch (kind) {
    case Kind::trend:
      return trend_entry(metrics::Histogram());
    case Kind::rate:
      return rate_entry(0, 0);
    case Kind::counter:
      return counter_entry(0, 0);
    case Kind::gauge:
      return gauge_entry(0, 0, 0);
  }
  return OrderedJson::object();
}

OrderedJson entry(const metrics::MetricValues& v, const std::string& metric, const RunResult& r) {
  switch (v.kind) {
    case Kind::trend:
      return v.trend ? trend_entry(*v.trend) : empty_entry(Kind::trend);
    case Kind::rate:
      return rate_entry(v.passes, v.total);
    case Kind::counter:
      return counter_entry(v.count, v.per_second);
    case Kind::gauge:
      return gauge_of(metric, v.gauge, r);
  }
  return OrderedJson::object();
}

bool observed(const metrics::MetricValues& v) {
  switch (v.kind) {
    case Kind::trend:
      return v.trend && v.trend->count() > 0;
    case Kind::rate:
      return v.total > 0;
    case Kind::counter:
      return v.count > 0;
    case Kind::gauge:
      return v.gauge.count > 0 && (v.gauge.max != 0 || v.gauge.min != 0);
  }
  return false;
}

// The entry of `t`'s metric and tags; k6 writes only metrics that got a sample, but a
// threshold's entry (`named`) is written even on nothing measured, so its failure shows.
std::optional<OrderedJson> metric_entry(const metrics::Threshold& t, const RunResult& r, bool named) {
  auto kind = r.sources.series.count(t.metric) ? std::optional(Kind::gauge) : kind_of(t.metric);
  if (!kind) return std::nullopt;
  metrics::TagFigures picked;
  auto values = threshold_values(t, r, picked);
  if (values && (named || observed(*values))) return entry(*values, t.metric, r);
  if (named) return empty_entry(*kind);
  return std::nullopt;
}

// reprise replays no script, so it has no checks of its own: each route's answers are checked
// against the statuses the profile expects (what http_req_failed counts), one check a route.
OrderedJson root_group(const ReplayStats& s, uint64_t& passes, uint64_t& fails) {
  std::map<metrics::RouteKey, std::pair<uint64_t, uint64_t>> by_route;
  for (const auto& t : s.tags) {
    auto& [ok, failed] = by_route[s.routes[static_cast<size_t>(t.route)]];
    ok += t.figures.http_reqs - t.figures.http_req_failed;
    failed += t.figures.http_req_failed;
  }
  OrderedJson checks = OrderedJson::object();
  for (const auto& [route, counts] : by_route) {
    const std::string name = route.method + " " + route.name + ": status as expected";
    const std::string path = "::" + name;
    checks[name] = {{"name", name},
                    {"path", path},
                    {"id", k6_id(path)},
                    {"passes", counts.first},
                    {"fails", counts.second}};
    passes += counts.first;
    fails += counts.second;
  }
  return {
      {"name", ""}, {"path", ""}, {"id", k6_id("")}, {"groups", OrderedJson::object()}, {"checks", checks}};
}

}  // namespace

std::string k6_id(std::string_view path) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(path.data(), path.size(), digest, &size, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

OrderedJson k6_summary(const RunResult& result, const std::vector<metrics::Threshold>& thresholds,
                       const std::vector<metrics::Verdict>& verdicts) {
  std::map<std::string, OrderedJson> entries;  // by name
  for (const auto& [name, kind] : kKinds)
    if (auto e = metric_entry({name, {}, {}, name}, result, false)) entries[name] = std::move(*e);
  for (const auto& [name, series] : result.sources.series)
    if (auto e = metric_entry({name, {}, {}, name}, result, !series.empty())) entries[name] = std::move(*e);
  for (const auto& t : thresholds)
    if (!entries.count(t.text))
      if (auto e = metric_entry(t, result, true)) entries[t.text] = std::move(*e);
  for (const auto& v : verdicts) {
    auto it = entries.find(v.threshold);
    if (it != entries.end())
      it->second["thresholds"][v.condition] = !v.ok;  // k6's legacy export: true = failed
  }
  uint64_t passes = 0, fails = 0;
  OrderedJson out = {{"root_group", root_group(result.stats, passes, fails)},
                     {"metrics", OrderedJson::object()}};
  for (auto& [name, e] : entries) out["metrics"][name] = std::move(e);
  // Last: k6-html-reporter 0.x takes the last metric with `passes` for its checks figures.
  if (passes + fails > 0) out["metrics"]["checks"] = rate_entry(passes, passes + fails);
  return out;
}

}  // namespace reprise::replay
