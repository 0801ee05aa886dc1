#include "sources/Source.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"

using namespace reprise::sources;
using nlohmann::json;

namespace {

const std::set<std::string> kTaken = {"http_reqs", "http_req_duration"};

std::vector<Source> parse(const char* text) { return parse_sources(json::parse(text), kTaken, "p.json"); }

}  // namespace

TEST_CASE("sources: a /metrics endpoint and a PromQL query", "[sources]") {
  auto s = parse(R"J({
    "notification_lag": {"prometheus": "http://127.0.0.1:8080/metrics", "metric": "kafka_consumergroup_lag",
                         "labels": {"topic": "message.events"}, "aggregate": "max", "every": "2s"},
    "lag_q": {"promql": "sum(kafka_consumergroup_lag{topic=\"message.events\"})", "server": "http://[::1]:9090"}})J");
  REQUIRE(s.size() == 2);
  const Source& q = s[0].name == "lag_q" ? s[0] : s[1];
  const Source& e = s[0].name == "lag_q" ? s[1] : s[0];
  CHECK(e.kind == Source::Kind::exposition);
  CHECK(e.where.target == "/metrics");
  CHECK(e.where.address.host_port.port == 8080);
  CHECK(e.labels.at("topic") == "message.events");
  CHECK(e.aggregate == "max");
  CHECK(e.every == std::chrono::seconds(2));
  CHECK(e.description() ==
        R"(kafka_consumergroup_lag{topic="message.events"} at http://127.0.0.1:8080/metrics (max))");
  CHECK(q.kind == Source::Kind::promql);
  CHECK(q.every == std::chrono::seconds(5));
  CHECK(q.aggregate == "sum");
  CHECK(q.where.target ==
        "/api/v1/query?query=sum%28kafka_consumergroup_lag%7Btopic%3D%22message.events%22%7D%29");
  CHECK(with_sources(kTaken, s).count("notification_lag"));
}

TEST_CASE("sources: every mistake is one line naming the field", "[sources]") {
  auto fails = [](const char* text, const char* says) {
    CHECK_THROWS_WITH(parse(text), Catch::Contains(says));
  };
  fails(R"([])", "p.json:field sources: must be an object");
  fails(R"({"lag": {"metric": "x"}})", "field sources.lag: must name exactly one of");
  fails(R"({"lag": {"prometheus": "http://h:1/metrics", "promql": "x"}})", "must name exactly one of");
  fails(R"({"lag": {"prometheus": "http://h:1/metrics"}})", "field sources.lag.metric: is missing");
  fails(R"({"lag": {"prometheus": "ftp://h/metrics", "metric": "x"}})",
        "p.json:field sources.lag.prometheus: 'ftp://h/metrics' must start with http:// or https://");
  fails(R"({"lag": {"prometheus": "http://h:1/m", "metric": "9x"}})", "is not a Prometheus metric name");
  fails(R"({"lag": {"prometheus": "http://h:1/m", "metric": "x", "labels": {"a": 1}}})",
        "field sources.lag.labels.a: must be a string");
  fails(R"({"lag": {"prometheus": "http://h:1/m", "metric": "x", "aggregate": "p99"}})",
        "field sources.lag.aggregate: 'p99' must be sum, max, min or avg");
  fails(R"({"lag": {"prometheus": "http://h:1/m", "metric": "x", "every": "10ms"}})",
        "must be 100ms or longer");
  fails(R"({"lag": {"prometheus": "http://h:1/m", "metric": "x", "evry": "1s"}})",
        "field sources.lag.evry: is not a key");
  fails(R"({"lag": {"promql": "up"}})", "field sources.lag.server: is missing");
  fails(R"({"lag": {"promql": "up", "server": "http://h:9090/api"}})", "without a path");
  fails(R"({"http_reqs": {"promql": "up", "server": "http://h:9090"}})",
        "is a metric reprise measures itself");
  fails(R"({"my-lag": {"promql": "up", "server": "http://h:9090"}})", "is not a metric name");
}

TEST_CASE("sources: a threshold on a source takes no tags", "[sources]") {
  auto s = parse(R"({"lag": {"promql": "up", "server": "http://h:9090"}})");
  auto known = with_sources(kTaken, s);
  auto ok = reprise::metrics::parse_thresholds(
      json::parse(R"({"lag": ["max<100", "last<10", "avg<5", "min<1"]})"), known, "p.json");
  CHECK_NOTHROW(check_source_thresholds(s, ok, "p.json"));
  auto tagged =
      reprise::metrics::parse_thresholds(json::parse(R"({"lag{name:X}": ["max<100"]})"), known, "p.json");
  CHECK_THROWS_WITH(check_source_thresholds(s, tagged, "p.json"),
                    Catch::Contains("p.json:field thresholds.lag{name:X}: a source's gauge has no tags"));
  for (const char* condition : {"p(95)<1", "count<3", "rate<1", "med<2"}) {
    auto wrong = reprise::metrics::parse_thresholds(json{{"lag", {condition}}}, known, "p.json");
    CHECK_THROWS_WITH(check_source_thresholds(s, wrong, "p.json"),
                      Catch::Contains("a source is a gauge; use value, last, min, max or avg"));
  }
}
