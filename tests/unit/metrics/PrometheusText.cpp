#include "metrics/PrometheusText.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "Occurrences.hpp"

using Catch::Matchers::Contains;
using reprise::metrics::Figure;
using reprise::metrics::FiguresByTag;
using reprise::metrics::Histogram;
using reprise::metrics::PrometheusText;
using reprise::metrics::TaggedFamilies;
using reprise::metrics::TagKey;

namespace {

using reprise::test::occurrences;

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

// Two tag sets: a named route answered twice (3 ms and 150 ms), and a request with no answer.
FiguresByTag known_figures() {
  FiguresByTag figures;
  auto& send = figures[TagKey{"SendMessage", "POST", 201}];
  send.http_reqs = 2;
  send.data_sent = 300;
  send.http_req_duration.record(3'000);
  send.http_req_duration.record(150'000);
  send.http_req_waiting.record(4'000);
  send.upstream_duration.record(3'000);
  auto& lost = figures[TagKey{"/api/users/{id}", "GET", 0}];
  lost.http_reqs = 1;
  lost.http_req_failed = 1;
  lost.upstream_connect_errors = 1;
  return figures;
}

}  // namespace

TEST_CASE("prometheus text: every family has its HELP and TYPE lines, counters end in _total",
          "[metrics][prometheus]") {
  PrometheusText out;
  out.tagged(known_figures(), TaggedFamilies::all);
  const std::string& text = out.text();
  CHECK(text.rfind("# HELP reprise_http_reqs_total ", 0) == 0);
  for (const char* counter :
       {"reprise_http_reqs_total", "reprise_http_req_failed_total", "reprise_upstream_5xx_total",
        "reprise_upstream_connect_errors_total", "reprise_proxy_timeouts_total",
        "reprise_data_sent_bytes_total", "reprise_data_received_bytes_total", "reprise_sse_events_total"}) {
    INFO(counter);
    CHECK(occurrences(text, std::string("# HELP ") + counter + " ") == 1);
    CHECK(has(text, std::string("# TYPE ") + counter + " counter"));
  }
  for (const char* histogram : {"reprise_http_req_duration_seconds", "reprise_http_req_waiting_seconds",
                                "reprise_upstream_duration_seconds"}) {
    INFO(histogram);
    CHECK(occurrences(text, std::string("# HELP ") + histogram + " ") == 1);
    CHECK(has(text, std::string("# TYPE ") + histogram + " histogram"));
  }
  CHECK(has(text, "# TYPE reprise_sse_connections gauge"));
  CHECK(has(text, R"(reprise_http_reqs_total{name="SendMessage",method="POST",status="201"} 2)"));
  CHECK(has(text, R"(reprise_http_reqs_total{name="/api/users/{id}",method="GET",status="0"} 1)"));
  CHECK(has(text,
            R"(reprise_upstream_connect_errors_total{name="/api/users/{id}",method="GET",status="0"} 1)"));
  CHECK(has(text, R"(reprise_data_sent_bytes_total{name="SendMessage",method="POST",status="201"} 300)"));
  // no stream went through either tag set: the stream families have no samples
  CHECK_THAT(text, !Contains("reprise_sse_connections{"));
  CHECK_THAT(text, !Contains("reprise_sse_events_total{"));
}

TEST_CASE("prometheus text: latencies are histograms in seconds with cumulative le buckets",
          "[metrics][prometheus]") {
  PrometheusText out;
  out.tagged(known_figures(), TaggedFamilies::all);
  const std::string& text = out.text();
  const std::string send = R"(name="SendMessage",method="POST",status="201")";
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="0.001"} 0)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="0.0025"} 0)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="0.005"} 1)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="0.1"} 1)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="0.25"} 2)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="60"} 2)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_bucket{" + send + R"(,le="+Inf"} 2)"));
  CHECK(has(text, "reprise_http_req_duration_seconds_sum{" + send + "} 0.153"));
  CHECK(has(text, "reprise_http_req_duration_seconds_count{" + send + "} 2"));
  CHECK(occurrences(text, "reprise_http_req_duration_seconds_bucket{" + send) == 16);  // 15 bounds and +Inf
  CHECK(has(text,
            R"(reprise_http_req_duration_seconds_count{name="/api/users/{id}",method="GET",status="0"} 0)"));
}

TEST_CASE("prometheus text: the request families alone, and run-wide samples without labels",
          "[metrics][prometheus]") {
  PrometheusText out;
  out.tagged(known_figures(), TaggedFamilies::requests);
  out.run_wide(Figure::data_sent, 1234);
  out.run_wide(Figure::sse_connections, 3);
  const std::string& text = out.text();
  for (const char* family : {"reprise_http_reqs_total", "reprise_http_req_failed_total",
                             "reprise_http_req_duration_seconds", "reprise_http_req_waiting_seconds"})
    CHECK(occurrences(text, std::string("# TYPE ") + family + " ") == 1);
  for (const char* family :
       {"reprise_upstream_5xx_total", "reprise_upstream_connect_errors_total", "reprise_proxy_timeouts_total",
        "reprise_upstream_duration_seconds", "reprise_data_received_bytes_total", "reprise_sse_events_total"})
    CHECK_THAT(text, !Contains(family));
  CHECK(has(text, "# TYPE reprise_data_sent_bytes_total counter"));
  CHECK(has(text, "reprise_data_sent_bytes_total 1234"));
  CHECK(has(text, "# TYPE reprise_sse_connections gauge"));
  CHECK(has(text, "reprise_sse_connections 3"));
}

TEST_CASE("prometheus text: an open event stream is sampled, with the gauge at its value",
          "[metrics][prometheus]") {
  FiguresByTag figures;
  figures[TagKey{"/events", "GET", 200}].sse_open = 2;
  figures[TagKey{"/events", "GET", 200}].sse_events = 7;
  PrometheusText out;
  out.tagged(figures, TaggedFamilies::all);
  CHECK(has(out.text(), R"(reprise_sse_connections{name="/events",method="GET",status="200"} 2)"));
  CHECK(has(out.text(), R"(reprise_sse_events_total{name="/events",method="GET",status="200"} 7)"));
}

TEST_CASE("prometheus text: label values escape backslash, quote and newline", "[metrics][prometheus]") {
  FiguresByTag figures;
  figures[TagKey{"a\"b\\c\nd", "GET", 200}].http_reqs = 1;
  PrometheusText out;
  out.tagged(figures, TaggedFamilies::requests);
  CHECK(has(out.text(), R"(reprise_http_reqs_total{name="a\"b\\c\nd",method="GET",status="200"} 1)"));

  PrometheusText plain;
  plain.family("x_total", "counter", "An example");
  plain.sample("x_total", {{"k", "v"}, {"q", "\""}}, 2.5);
  plain.histogram("y_seconds", {}, Histogram());
  CHECK(plain.text().rfind(
            "# HELP x_total An example\n# TYPE x_total counter\nx_total{k=\"v\",q=\"\\\"\"} 2.5\n", 0) == 0);
  CHECK(has(plain.text(), R"(y_seconds_bucket{le="+Inf"} 0)"));
  CHECK(has(plain.text(), "y_seconds_sum 0"));
  CHECK(has(plain.text(), "y_seconds_count 0"));
}

TEST_CASE("prometheus text: threshold states, ok unless failing on something measured",
          "[metrics][prometheus]") {
  PrometheusText out;
  out.thresholds({{{}, "http_req_failed", "rate<0.01", 0.25, true},
                  {{}, "http_req_duration{name:Send}", "p(95)<500", 12.5, false},
                  {{{"target", "mirror"}}, "http_reqs", "count>0", std::nullopt, false}});
  const std::string& text = out.text();
  CHECK(occurrences(text, "# HELP reprise_threshold_ok ") == 1);
  CHECK(has(text, "# TYPE reprise_threshold_ok gauge"));
  CHECK(has(text, "# TYPE reprise_threshold_value gauge"));
  CHECK(has(text, R"(reprise_threshold_ok{threshold="http_req_failed",condition="rate<0.01"} 0)"));
  CHECK(has(text, R"(reprise_threshold_value{threshold="http_req_failed",condition="rate<0.01"} 0.25)"));
  CHECK(
      has(text, R"(reprise_threshold_ok{threshold="http_req_duration{name:Send}",condition="p(95)<500"} 1)"));
  CHECK(
      has(text,
          R"(reprise_threshold_value{threshold="http_req_duration{name:Send}",condition="p(95)<500"} 12.5)"));
  // nothing measured: ok, and no value
  CHECK(has(text, R"(reprise_threshold_ok{target="mirror",threshold="http_reqs",condition="count>0"} 1)"));
  CHECK_THAT(text, !Contains(R"(reprise_threshold_value{target="mirror")"));
}
