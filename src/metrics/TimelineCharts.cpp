#include "metrics/TimelineCharts.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "metrics/Histogram.hpp"

namespace reprise::metrics {
namespace {

using Json = nlohmann::json;

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();
constexpr double kPercentiles[] = {50, 95, 99};
constexpr const char* kPercentileColours[] = {"#2563eb", "#ea580c", "#dc2626"};

// One timeline point: the end of its interval, the interval's length, and its figures.
struct Interval {
  double t, dt;
  const Json* figures;
};

double number(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : kNoValue;
}

std::vector<Interval> intervals_of(const Json& summary) {
  std::vector<Interval> out;
  if (!summary.contains("timeline") || !summary["timeline"].is_array()) return out;
  double previous = 0;
  for (const auto& point : summary["timeline"]) {
    double t = number(point, "t");
    if (!std::isfinite(t)) continue;
    out.push_back({t, t - previous, &point});
    previous = t;
  }
  return out;
}

std::vector<ChartPoint> per_second(const std::vector<Interval>& intervals, const char* key) {
  std::vector<ChartPoint> out;
  for (const auto& i : intervals) out.push_back({i.t, i.dt > 0 ? number(*i.figures, key) / i.dt : kNoValue});
  return out;
}

// The interval's answers of one status class ("2xx", "none": no answer) per second.
std::vector<ChartPoint> status_per_second(const std::vector<Interval>& intervals, const char* status_class) {
  std::vector<ChartPoint> out;
  for (const auto& i : intervals) {
    const Json& figures = *i.figures;
    double n = figures.contains("status") ? number(figures["status"], status_class) : kNoValue;
    out.push_back({i.t, i.dt > 0 ? n / i.dt : kNoValue});
  }
  return out;
}

std::vector<ChartPoint> gauge(const std::vector<Interval>& intervals, const char* key) {
  std::vector<ChartPoint> out;
  for (const auto& i : intervals) out.push_back({i.t, number(*i.figures, key)});
  return out;
}

// The interval's http_req_duration of one tag, or of every tag when `tag` is null; empty
// when the interval has none.
Histogram duration_of(const Interval& interval, size_t index, const std::string* tag) {
  Histogram h;
  const Json& figures = *interval.figures;
  if (!figures.contains("tags") || !figures["tags"].is_object()) return h;
  for (auto it = figures["tags"].begin(); it != figures["tags"].end(); ++it) {
    if ((tag && it.key() != *tag) || !it.value().is_object() || !it.value().contains("http_req_duration"))
      continue;
    h.merge(Histogram::from_json(
        it.value()["http_req_duration"], "summary",
        "timeline[" + std::to_string(index) + "].tags." + it.key() + ".http_req_duration"));
  }
  return h;
}

LineChart latency_chart(const std::vector<Interval>& intervals, const std::string& title,
                        const std::string* tag) {
  std::vector<ChartPoint> lines[std::size(kPercentiles)];
  for (size_t i = 0; i < intervals.size(); ++i) {
    auto h = duration_of(intervals[i], i, tag);
    for (size_t p = 0; p < std::size(kPercentiles); ++p)
      lines[p].push_back(
          {intervals[i].t, h.count() ? static_cast<double>(h.percentile(kPercentiles[p])) / 1e3 : kNoValue});
  }
  LineChart chart(title, "milliseconds");
  for (size_t p = 0; p < std::size(kPercentiles); ++p)
    chart.add("p(" + std::to_string(static_cast<int>(kPercentiles[p])) + ")", std::move(lines[p]),
              kPercentileColours[p]);
  return chart;
}

std::set<std::string> tag_names(const std::vector<Interval>& intervals) {
  std::set<std::string> names;
  for (const auto& i : intervals)
    if (i.figures->contains("tags") && (*i.figures)["tags"].is_object())
      for (auto it = (*i.figures)["tags"].begin(); it != (*i.figures)["tags"].end(); ++it)
        names.insert(it.key());
  return names;
}

}  // namespace

std::vector<LineChart> timeline_charts(const Json& summary) {
  auto intervals = intervals_of(summary);
  std::vector<LineChart> charts;
  charts.emplace_back("Requests and iterations", "per second");
  charts.back().add("http_reqs/s", per_second(intervals, "http_reqs"), "#2563eb");
  charts.back().add("iterations/s", per_second(intervals, "iterations"), "#16a34a");
  charts.emplace_back("Errors", "per second");
  charts.back().add("http_req_failed/s", per_second(intervals, "http_req_failed"), "#dc2626");
  charts.back().add("dropped_iterations/s", per_second(intervals, "dropped_iterations"), "#ea580c");
  charts.emplace_back("Statuses", "answers per second");
  charts.back().add("2xx", status_per_second(intervals, "2xx"), "#059669");
  charts.back().add("3xx", status_per_second(intervals, "3xx"), "#0284c7");
  charts.back().add("4xx", status_per_second(intervals, "4xx"), "#d97706");
  charts.back().add("5xx", status_per_second(intervals, "5xx"), "#be123c");
  charts.back().add("no answer", status_per_second(intervals, "none"), "#6b7280");
  charts.emplace_back("VUs and open SSE streams", "count");
  charts.back().add("vus", gauge(intervals, "vus"), "#9333ea");
  charts.back().add("sse open", gauge(intervals, "sse_open"), "#0891b2");
  charts.push_back(latency_chart(intervals, "http_req_duration, all requests", nullptr));
  for (const auto& name : tag_names(intervals))
    charts.push_back(latency_chart(intervals, "http_req_duration{name:" + name + "}", &name));
  if (summary.contains("sources") && summary["sources"].is_object())
    for (auto it = summary["sources"].begin(); it != summary["sources"].end(); ++it) {
      std::vector<ChartPoint> points;
      if (it.value().contains("samples") && it.value()["samples"].is_array())
        for (const auto& s : it.value()["samples"])
          if (s.is_array() && s.size() == 2 && s[0].is_number() && s[1].is_number())
            points.push_back({s[0].get<double>(), s[1].get<double>()});
      charts.emplace_back(it.key() + " (source: " + it.value().value("source", std::string()) + ")", "value");
      charts.back().add(it.key(), std::move(points), "#7c3aed");
    }
  double end = intervals.empty() ? 0 : intervals.back().t;
  for (auto& chart : charts) chart.extend_x(end);
  return charts;
}

}  // namespace reprise::metrics
