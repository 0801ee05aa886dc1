#include "replay/WindowVerdicts.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "metrics/Histogram.hpp"

using reprise::metrics::Histogram;
using reprise::replay::judge_windows;

namespace {

// A point of `n` requests to "Send" of `ms` each, ending at second `t`.
nlohmann::json point(double t, uint64_t n, uint64_t ms, uint64_t failed = 0) {
  Histogram h;
  for (uint64_t i = 0; i < n; ++i) h.record(ms * 1000);
  return {{"t", t},
          {"http_reqs", n},
          {"http_req_failed", failed},
          {"iterations", n},
          {"dropped_iterations", 0},
          {"vus", 1},
          {"sse_open", 0},
          {"tags",
           {{"Send", {{"http_reqs", n}, {"http_req_failed", failed}, {"http_req_duration", h.to_json()}}}}}};
}

}  // namespace

TEST_CASE("window verdicts: each window judged on its own seconds, the rest as outside",
          "[replay][windows]") {
  nlohmann::json timeline = {point(1, 10, 5), point(2, 10, 5), point(3, 10, 200, 5), point(4, 10, 200, 5),
                             point(5, 10, 5)};
  auto thresholds = reprise::metrics::parse_thresholds(
      nlohmann::json::parse(
          R"({"http_req_duration{name:Send}": ["p(95)<100"], "http_req_failed": ["rate<0.1"],
                                "http_reqs{status:200}": ["count>0"]})"),
      {"http_req_duration", "http_req_failed", "http_reqs"}, "p.json");
  auto by = judge_windows(thresholds, timeline, {}, {{"slow", 2.0, 4.0}});
  auto edges = judge_windows(thresholds, timeline, {}, {{"slow", 2.5, 4.0}});
  CHECK(edges[0].covered_s == 1);  // (2, 3] crosses 2.5: in neither
  CHECK(edges[1].covered_s == 2);  // (4, 5], just after the window, is in neither
  REQUIRE(by.size() == 2);
  CHECK(by[0].name == "slow");
  CHECK(by[0].covered_s == 2);          // the points (2, 3] and (3, 4]
  REQUIRE(by[0].verdicts.size() == 2);  // a status filter cannot be split: left out
  CHECK_FALSE(by[0].verdicts[0].ok);
  CHECK(*by[0].verdicts[0].actual == Approx(200).epsilon(0.01));
  CHECK(*by[0].verdicts[1].actual == Approx(0.5));
  CHECK(by[1].name == "outside");
  CHECK(by[1].covered_s == 2);  // (0, 1] and (1, 2]; (4, 5] comes just after the window
  CHECK(by[1].verdicts[0].ok);
  CHECK(*by[1].verdicts[1].actual == 0);
  CHECK(judge_windows(thresholds, timeline, {}, {}).empty());
}
