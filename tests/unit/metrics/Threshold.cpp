#include "metrics/Threshold.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "InputError.hpp"

using reprise::metrics::Histogram;
using reprise::metrics::judge;
using reprise::metrics::MetricValues;
using reprise::metrics::parse_condition;
using reprise::metrics::Threshold;
using Kind = MetricValues::Kind;

namespace {

bool passes(const std::string& condition, const MetricValues& v) {
  Threshold t{"m", {}, {parse_condition(condition, "p.json", "thresholds.m")}, "m"};
  auto verdicts = judge({t}, [&](const Threshold&) { return v; });
  REQUIRE(verdicts.size() == 1);
  return verdicts[0].ok;
}

}  // namespace

TEST_CASE("thresholds: each aggregation and comparison at its boundary", "[metrics][threshold]") {
  Histogram h;
  for (uint64_t us = 1000; us <= 100000; us += 1000) h.record(us);  // 1 ms .. 100 ms
  MetricValues trend{Kind::trend, &h};
  CHECK(passes("max<=100", trend));
  CHECK_FALSE(passes("max<100", trend));
  CHECK(passes("min==1", trend));
  CHECK(passes("avg>=50.5", trend));
  CHECK_FALSE(passes("avg>50.5", trend));
  CHECK(passes("p(95)<=95.5", trend));  // milliseconds, as k6 judges a trend
  CHECK_FALSE(passes("p(95)<94", trend));
  CHECK(passes("med<51", trend));
  CHECK(passes("count==100", trend));
  CHECK_FALSE(passes("rate<1", trend));  // a trend has no rate: fails rather than guesses

  MetricValues rate{Kind::rate, nullptr, 1, 100};
  CHECK(passes("rate<=0.01", rate));
  CHECK_FALSE(passes("rate<0.01", rate));
  CHECK(passes("rate!=0", rate));
  CHECK_FALSE(passes("rate<1", MetricValues{Kind::rate, nullptr, 0, 0}));  // nothing measured

  MetricValues counter{Kind::counter, nullptr, 0, 0, 5000, 250};
  CHECK(passes("count>=5000", counter));
  CHECK_FALSE(passes("count>5000", counter));
  CHECK(passes("rate==250", counter));
  CHECK_FALSE(passes("value<1", counter));

  MetricValues gauge = MetricValues::of_gauge(reprise::metrics::GaugeStats::of(10000));
  CHECK(passes("value<=10000", gauge));
  CHECK_FALSE(passes("value<10000", gauge));

  // a source's gauge read over time: k6's `value` is the last reading
  MetricValues lag = MetricValues::of_gauge({5, 150, 60, 20, 4});
  CHECK(passes("value<100", lag));
  CHECK(passes("last==20", lag));
  CHECK_FALSE(passes("max<100", lag));
  CHECK(passes("min<10", lag));
  CHECK(passes("avg>59", lag));
  CHECK_FALSE(passes("rate<1", lag));
  CHECK_FALSE(passes("count>1", lag));
}

TEST_CASE("thresholds: nothing measured fails, and is said", "[metrics][threshold]") {
  Threshold t{"http_req_duration",
              {{"name", "X"}},
              {parse_condition("p(95)<500", "f", "x")},
              "http_req_duration{name:X}"};
  auto verdicts = judge({t}, [](const Threshold&) { return std::nullopt; });
  REQUIRE(verdicts.size() == 1);
  CHECK_FALSE(verdicts[0].ok);
  CHECK_FALSE(verdicts[0].actual);
  CHECK(verdicts[0].threshold == "http_req_duration{name:X}");
  CHECK_THROWS_AS(parse_condition("p(95)<", "f", "x"), reprise::InputError);
}

TEST_CASE("thresholds blocks: k6's keys with name, method and status tags; anything else is one clear error",
          "[metrics][threshold]") {
  using reprise::metrics::parse_thresholds;
  const std::set<std::string> known = {"http_reqs", "http_req_duration"};
  auto block = nlohmann::json::parse(R"({
    "http_req_duration{name:Send,method:POST,status:201}": ["p(95)<500", {"threshold": "max<900",
      "abortOnFail": true, "delayAbortEval": "10s"}],
    "http_reqs": ["count>0"]})");
  auto t = parse_thresholds(block, known, "sla.json");
  REQUIRE(t.size() == 2);
  CHECK(t[0].metric == "http_req_duration");
  CHECK(t[0].tags ==
        std::map<std::string, std::string>{{"name", "Send"}, {"method", "POST"}, {"status", "201"}});
  REQUIRE(t[0].conditions.size() == 2);
  CHECK(t[0].conditions[1].abort_on_fail);
  CHECK(t[0].conditions[1].delay_abort_eval == std::chrono::seconds(10));

  auto error = [&](const char* text) {
    try {
      parse_thresholds(nlohmann::json::parse(text), known, "sla.json");
    } catch (const reprise::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(
      error(R"({"http_reqs{scenario:a}": ["count>0"]})") ==
      "sla.json:field thresholds.http_reqs{scenario:a}: filters by the tag 'scenario' (reprise tags requests "
      "with name, method and status; response_diffs also with field)");
  CHECK(
      error(R"({"vus": ["value>0"]})") ==
      "sla.json:field thresholds.vus: names no metric reprise measures here (http_req_duration, http_reqs)");
  CHECK(error(R"({"http_reqs": [{"threshold": "count>0", "delayAbortEval": "soon"}]})")
            .starts_with("sla.json:field thresholds.http_reqs.delayAbortEval: 'soon' is not a duration"));
  CHECK(error(R"({"http_reqs": []})") ==
        "sla.json:field thresholds.http_reqs: must be a list of conditions such as \"p(95)<500\"");
}
