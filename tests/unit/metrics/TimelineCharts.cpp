#include "metrics/TimelineCharts.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/Histogram.hpp"

using reprise::metrics::Histogram;
using reprise::metrics::LineChart;
using reprise::metrics::timeline_charts;
using Json = nlohmann::json;

namespace {

Json durations(std::initializer_list<uint64_t> us) {
  Histogram h;
  for (auto v : us) h.record(v);
  return h.to_json();
}

Json point(double t, uint64_t reqs, uint64_t failed, uint64_t vus, Json tags = Json::object()) {
  return {{"t", t},
          {"http_reqs", reqs},
          {"http_req_failed", failed},
          {"iterations", reqs / 2},
          {"dropped_iterations", 0},
          {"vus", vus},
          {"sse_open", 1},
          {"status", {{"2xx", reqs - failed}, {"5xx", failed}}},
          {"tags", std::move(tags)}};
}

const LineChart& chart(const std::vector<LineChart>& charts, const std::string& title) {
  for (const auto& c : charts)
    if (c.title() == title) return c;
  FAIL("no chart " << title);
  throw;
}

std::vector<double> ys(const LineChart& c, size_t series) {
  std::vector<double> out;
  for (const auto& p : c.series().at(series).points) out.push_back(p.y);
  return out;
}

}  // namespace

TEST_CASE("rates divide each interval's counts by that interval's own length", "[metrics][report]") {
  Json summary = {{"timeline", {point(1.0, 100, 0, 5), point(2.5, 150, 3, 8), point(3.0, 50, 1, 8)}}};
  auto charts = timeline_charts(summary);
  const auto& rates = chart(charts, "Requests and iterations");
  CHECK(ys(rates, 0) == std::vector<double>{100, 100, 100});
  CHECK(ys(rates, 1) == std::vector<double>{50, 50, 50});
  CHECK(rates.series()[0].points[1].x == 2.5);
  CHECK(ys(chart(charts, "Errors"), 0) == std::vector<double>{0, 2, 2});
  CHECK(ys(chart(charts, "Statuses"), 0) == std::vector<double>{100, 98, 98});  // 2xx per second
  CHECK(ys(chart(charts, "Statuses"), 3) == std::vector<double>{0, 2, 2});      // 5xx per second
  CHECK(std::isnan(ys(chart(charts, "Statuses"), 1)[0]));                       // a class not kept: a gap
  CHECK(ys(chart(charts, "VUs and open SSE streams"), 0) ==
        std::vector<double>{5, 8, 8});  // gauges as they are
}

TEST_CASE("latency percentiles per tag, with a gap where a tag had no request", "[metrics][report]") {
  Json a1 = {{"http_reqs", 3}, {"http_req_failed", 0}, {"http_req_duration", durations({100, 200, 250})}};
  Json b1 = {{"http_reqs", 1}, {"http_req_failed", 0}, {"http_req_duration", durations({50})}};
  Json b2 = {{"http_reqs", 2}, {"http_req_failed", 1}, {"http_req_duration", durations({10'000, 20'000})}};
  Json summary = {{"timeline", {point(1, 4, 0, 2, {{"A", a1}, {"B", b1}}), point(2, 2, 1, 2, {{"B", b2}})}}};
  auto charts = timeline_charts(summary);
  REQUIRE(charts.size() == 7);  // rates, errors, statuses, VUs, all requests, A, B
  const auto& a = chart(charts, "http_req_duration{name:A}");
  REQUIRE(a.series().size() == 3);
  CHECK(a.series()[0].label == "p(50)");
  CHECK(a.series()[2].label == "p(99)");
  CHECK(ys(a, 0)[0] == Approx(0.2));  // milliseconds; values under 256 µs are exact
  CHECK(ys(a, 2)[0] == Approx(0.25));
  CHECK(std::isnan(ys(a, 0)[1]));  // no A request in the second interval
  const auto& all = chart(charts, "http_req_duration, all requests");
  CHECK(ys(all, 0)[0] == Approx(0.1));  // 50, 100, 200, 250: the median is 100
  CHECK(ys(all, 2)[1] == Approx(20).epsilon(0.01));
}

TEST_CASE("no timeline, or an empty one: every chart is there and says no data", "[metrics][report]") {
  for (const Json& summary : {Json::object(), Json{{"timeline", Json::array()}}, Json{{"timeline", 5}}}) {
    auto charts = timeline_charts(summary);
    CHECK(charts.size() == 5);
    for (const auto& c : charts) CHECK(c.empty());
  }
}
