#include "metrics/Threshold.hpp"

#include <catch2/catch.hpp>

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

  MetricValues gauge{Kind::gauge, nullptr, 0, 0, 10000};
  CHECK(passes("value<=10000", gauge));
  CHECK_FALSE(passes("value<10000", gauge));
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
