#include "replay/RunVerdicts.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "replay/LoginRun.hpp"

using reprise::replay::RunResult;

namespace {

std::vector<reprise::metrics::Threshold> thresholds(const char* json) {
  return reprise::metrics::parse_thresholds(
      nlohmann::json::parse(json), {"http_reqs", "http_req_failed", "http_req_duration", "iterations"},
      "profile.json");
}

RunResult run() { return reprise::test::login_run(); }

}  // namespace

TEST_CASE("run verdicts: the whole run's figures, and those a threshold's tags pick", "[replay][verdicts]") {
  auto verdicts = reprise::replay::judge_run(thresholds(R"({
      "http_reqs": ["count==11", "rate>1"],
      "iterations": ["rate==2"],
      "http_req_failed{name:Login}": ["rate<0.1"],
      "http_req_failed{name:Login,status:200}": ["rate==0"],
      "http_reqs{method:get}": ["count==1"],
      "http_req_duration{name:Login,status:500}": ["p(50)>800"],
      "http_req_duration{name:Nobody}": ["p(95)<1"]})"),
                                             run());
  REQUIRE(verdicts.size() == 8);
  auto verdict = [&](const std::string& threshold, const std::string& condition) {
    for (const auto& v : verdicts)
      if (v.threshold == threshold && v.condition == condition) return v;
    FAIL("no verdict for " << threshold << " " << condition);
    return reprise::metrics::Verdict{};
  };
  CHECK(verdict("http_reqs", "count==11").ok);
  CHECK(verdict("http_reqs", "rate>1").ok);                         // 1.1/s
  CHECK(verdict("iterations", "rate==2").ok);                       // 20 in 10 s
  auto login = verdict("http_req_failed{name:Login}", "rate<0.1");  // 2 of Login's 10 failed
  CHECK_FALSE(login.ok);
  CHECK(*login.actual == Approx(0.2));
  CHECK(verdict("http_req_failed{name:Login,status:200}", "rate==0").ok);
  // the method tag is compared without case, as the proxy's SLA does
  CHECK(verdict("http_reqs{method:get}", "count==1").ok);
  CHECK(verdict("http_req_duration{name:Login,status:500}", "p(50)>800").ok);
  auto nobody = verdict("http_req_duration{name:Nobody}", "p(95)<1");
  CHECK_FALSE(nobody.actual);  // no request had the tag: nothing measured, which does not pass
  CHECK_FALSE(nobody.ok);
  CHECK_FALSE(reprise::replay::all_passed(verdicts));
}
