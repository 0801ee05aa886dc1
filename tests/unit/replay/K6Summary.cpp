#include "replay/K6Summary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "replay/LoginRun.hpp"
#include "replay/RunVerdicts.hpp"

using reprise::replay::RunResult;

namespace {

std::vector<reprise::metrics::Threshold> thresholds(const char* json) {
  return reprise::metrics::parse_thresholds(
      nlohmann::json::parse(json),
      {"http_reqs", "http_req_failed", "http_req_duration", "vus", "dropped_iterations"}, "profile.json");
}

// The Login/Me run, with the figures the export shows besides the requests'.
RunResult run() {
  RunResult r = reprise::test::login_run();
  auto& s = r.stats;
  s.data_sent = 1234;
  s.vus_max = 4;
  s.http_req_waiting.merge(s.http_req_duration);
  r.timeline = nlohmann::json::array({{{"t", 1}, {"vus", 3}}, {{"t", 2}, {"vus", 1}}});
  return r;
}

nlohmann::ordered_json exported(const char* threshold_json) {
  auto t = thresholds(threshold_json);
  RunResult r = run();
  return reprise::replay::k6_summary(r, t, reprise::replay::judge_run(t, r));
}

std::set<std::string> keys(const nlohmann::ordered_json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

const std::set<std::string> kTrend = {"avg", "min", "med", "max", "p(90)", "p(95)"};

}  // namespace

TEST_CASE("k6 export: k6's fields per kind of metric, trends in milliseconds", "[replay][k6summary]") {
  auto j = exported("{}");
  REQUIRE(keys(j) == std::set<std::string>{"root_group", "metrics"});
  const auto& m = j["metrics"];
  CHECK(keys(m["http_req_duration"]) == kTrend);
  CHECK(keys(m["http_req_waiting"]) == kTrend);
  CHECK(m["http_req_duration"]["min"] == 5);
  CHECK(m["http_req_duration"]["max"].get<double>() == Approx(900).epsilon(0.005));
  CHECK(m["http_req_duration"]["med"].get<double>() == Approx(10).epsilon(0.005));
  CHECK(m["http_req_duration"]["p(95)"].get<double>() == Approx(900).epsilon(0.005));
  CHECK(m["http_req_duration"]["avg"].get<double>() == Approx((8 * 10 + 2 * 900 + 5) / 11.0));
  CHECK(keys(m["http_reqs"]) == std::set<std::string>{"count", "rate"});
  CHECK(m["http_reqs"]["count"] == 11);
  CHECK(m["http_reqs"]["rate"].get<double>() == Approx(1.1));
  CHECK(m["data_sent"]["count"] == 1234);
  // A rate's passes are its true samples: for http_req_failed, the failed requests.
  CHECK(keys(m["http_req_failed"]) == std::set<std::string>{"passes", "fails", "value"});
  CHECK(m["http_req_failed"]["passes"] == 2);
  CHECK(m["http_req_failed"]["fails"] == 9);
  CHECK(m["http_req_failed"]["value"].get<double>() == Approx(2 / 11.0));
  CHECK(keys(m["vus_max"]) == std::set<std::string>{"value", "min", "max"});
  CHECK(m["vus_max"]["value"] == 4);
  CHECK(m["vus"]["max"] == 4);
  CHECK(m["vus"]["min"] == 1);  // the timeline's least
  // Nothing happened: not written, as k6 writes only metrics that got a sample.
  for (const char* absent : {"dropped_iterations", "sse_connections", "sse_events", "sse_time_to_first_event",
                             "data_received", "response_diffs", "unexpected_status"})
    CHECK_FALSE(m.contains(absent));
}

TEST_CASE("k6 export: thresholds as k6's legacy export writes them, true when failed",
          "[replay][k6summary]") {
  auto j = exported(R"({"http_req_duration": ["p(95)<2000", "p(90)<1"], "http_req_failed": ["rate<0.5"],
                        "http_req_duration{name:Login}": ["max<100"], "http_reqs{method:GET}": ["count==1"],
                        "http_req_duration{name:Nobody}": ["p(95)<1"], "dropped_iterations": ["count<1"]})");
  const auto& m = j["metrics"];
  CHECK(m["http_req_duration"]["thresholds"] ==
        nlohmann::ordered_json({{"p(95)<2000", false}, {"p(90)<1", true}}));
  CHECK(m["http_req_failed"]["thresholds"]["rate<0.5"] == false);
  CHECK_FALSE(m["http_reqs"].contains("thresholds"));
  // Each tagged threshold is an entry of its own, with the figures its tags pick.
  const auto& login = m["http_req_duration{name:Login}"];
  CHECK(login["thresholds"]["max<100"] == true);
  CHECK(login["min"] == 10);
  CHECK(m["http_reqs{method:GET}"]["count"] == 1);
  CHECK(m["http_reqs{method:GET}"]["thresholds"]["count==1"] == false);
  // A threshold on nothing measured fails in reprise; its entry is written, zeros as k6's empty trend.
  const auto& nobody = m["http_req_duration{name:Nobody}"];
  for (const auto& key : kTrend) CHECK(nobody[key] == 0);
  CHECK(nobody["thresholds"]["p(95)<1"] == true);
  CHECK(m["dropped_iterations"]["count"] == 0);
  CHECK(m["dropped_iterations"]["thresholds"]["count<1"] == false);
}

TEST_CASE("k6 export: the root group holds a check per route, and checks come last", "[replay][k6summary]") {
  auto j = exported("{}");
  const auto& group = j["root_group"];
  CHECK(group["name"] == "");
  CHECK(group["path"] == "");
  CHECK(group["id"] == "d41d8cd98f00b204e9800998ecf8427e");  // k6's: the MD5 of the empty path
  CHECK(group["groups"] == nlohmann::ordered_json::object());
  const auto& login = group["checks"]["POST Login: status as expected"];
  CHECK(login["path"] == "::POST Login: status as expected");
  CHECK(login["id"] == reprise::replay::k6_id("::POST Login: status as expected"));
  CHECK(login["passes"] == 8);
  CHECK(login["fails"] == 2);
  CHECK(group["checks"]["GET Me: status as expected"]["fails"] == 0);
  const auto& m = j["metrics"];
  CHECK(m.items().begin() != m.items().end());
  CHECK((--m.end()).key() == "checks");
  CHECK(m["checks"] == nlohmann::ordered_json({{"passes", 9}, {"fails", 2}, {"value", 9 / 11.0}}));
  CHECK(reprise::replay::k6_id("abc") == "900150983cd24fb0d6963f7d28e17f72");
}
