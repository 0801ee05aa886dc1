#include "metrics/HtmlReport.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "Occurrences.hpp"
#include "metrics/Histogram.hpp"

using reprise::metrics::Histogram;
using reprise::metrics::html_report;
using Json = nlohmann::json;

namespace {

using reprise::test::occurrences;

Json durations(uint64_t from_us, uint64_t to_us, uint64_t step_us) {
  Histogram h;
  for (uint64_t us = from_us; us <= to_us; us += step_us) h.record(us);
  return h.to_json();
}

Json tag(uint64_t reqs, uint64_t from_us) {
  return {{"http_reqs", reqs},
          {"http_req_failed", 1},
          {"http_req_duration", durations(from_us, from_us + 9000, 1000)},
          {"http_req_waiting", durations(from_us, from_us + 9000, 1000)}};
}

// A summary as summary_json writes it, with a timeline of `seconds` points and two tags, one of
// them named like an attack.
Json summary(int seconds) {
  Json timeline = Json::array();
  for (int s = 1; s <= seconds; ++s)
    timeline.push_back(
        {{"t", s + 0.003},
         {"http_reqs", 20},
         {"http_req_failed", s % 2},
         {"iterations", 10},
         {"dropped_iterations", 0},
         {"vus", 4},
         {"sse_open", 0},
         {"status", {{"none", 0}, {"1xx", 0}, {"2xx", 20 - s % 2}, {"3xx", 0}, {"4xx", s % 2}, {"5xx", 0}}},
         {"tags", {{"GetMessages", tag(10, 1000)}, {"<script>&", tag(10, 5000)}}}});
  return {{"reprise_summary", 1},
          {"capture", "chat & <friends>.jsonl"},
          {"target", "http://127.0.0.1:8080"},
          {"profile", "profiles/smoke.json"},
          {"executor", "constant-arrival-rate"},
          {"shard", {1, 1}},
          {"elapsed_s", seconds + 0.01},
          {"planned_iterations", 10 * seconds},
          {"counters",
           {{"iterations", 10 * seconds},
            {"dropped_iterations", 0},
            {"http_reqs", 20 * seconds},
            {"http_req_failed", seconds / 2},
            {"transport_errors", 0},
            {"data_sent", 123456},
            {"data_received", 2345678},
            {"sse_connections", 0},
            {"sse_events", 0},
            {"interrupted", 0},
            {"bodies_too_big", 0},
            {"interrupted_iterations", 0}}},
          {"vus_max", 4},
          {"status", {{"200", 20 * seconds}}},
          {"histograms",
           {{"http_req_duration", durations(1000, 100'000, 1000)},
            {"http_req_waiting", durations(500, 50'000, 500)},
            {"sse_time_to_first_event", Histogram().to_json()}}},
          {"sse_open_peak", 0},
          {"tags", {{"GetMessages", tag(100, 1000)}, {"<script>&", tag(100, 5000)}}},
          {"thresholds", {{"http_req_duration{name:<script>&}", {"p(95)<500"}}}},
          {"verdicts",
           {{{"threshold", "http_req_duration{name:<script>&}"},
             {"condition", "p(95)<500"},
             {"actual", 14.0},
             {"ok", true}},
            {{"threshold", "http_req_failed"}, {"condition", "rate<0.01"}, {"actual", 0.25}, {"ok", false}}}},
          {"timeline", timeline}};
}

}  // namespace

TEST_CASE("the report draws the timeline's charts", "[metrics][report]") {
  std::string html = html_report(summary(6));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(occurrences(html, "<svg") == 7);  // rates, errors, statuses, VUs, all requests and one per tag
  // two lines each in rates, errors and VUs, five status classes, p50/p95/p99 in the three latency charts
  CHECK(occurrences(html, "<polyline") == 20);
  CHECK(html.find("no data") == std::string::npos);
  CHECK(html.find("http_req_duration{name:GetMessages}") != std::string::npos);
}

TEST_CASE("the report's header, thresholds and k6's summary", "[metrics][report]") {
  std::string html = html_report(summary(6));
  CHECK(html.find("constant-arrival-rate") != std::string::npos);
  CHECK(html.find("profiles/smoke.json") != std::string::npos);
  CHECK(html.find("6.01 s") != std::string::npos);
  CHECK(html.find("✗ thresholds failed") != std::string::npos);
  CHECK(html.find("<td>rate&lt;0.01</td><td class=\"n\">measured 0.25 (25.00 %)</td>") != std::string::npos);
  // http_req_duration 1..100 ms: min, max and avg are exact
  for (const char* cell : {">1.00ms<", ">100.00ms<", ">50.50ms<"})
    CHECK(html.find(cell) != std::string::npos);
  for (const char* head : {">avg<", ">min<", ">med<", ">max<", ">p(90)<", ">p(95)<", ">p(99)<"})
    CHECK(html.find(head) != std::string::npos);
  CHECK(html.find(">http_reqs</td><td class=\"n\">120</td><td>20.0/s") != std::string::npos);
  CHECK(html.find("2.3 MB") != std::string::npos);  // data_received
  auto passed = summary(2);
  passed["verdicts"] = {passed["verdicts"][0]};
  CHECK(html_report(passed).find("✓ all thresholds passed") != std::string::npos);
}

TEST_CASE("every string from the summary is escaped", "[metrics][report]") {
  std::string html = html_report(summary(3));
  CHECK(occurrences(html, "<script") == 0);
  CHECK(html.find("{name:&lt;script&gt;&amp;}") != std::string::npos);
  CHECK(html.find("chat &amp; &lt;friends&gt;.jsonl") != std::string::npos);
}

TEST_CASE("the report reaches for nothing outside itself", "[metrics][report]") {
  std::string html = html_report(summary(3));
  CHECK(occurrences(html, "http://") == 1);  // the target, shown as text
  CHECK(html.find("<td>http://127.0.0.1:8080</td>") != std::string::npos);
  CHECK(occurrences(html, "//") == 1);
  for (const char* remote : {"https://", "<link", "src=", "href=", "url(", "@import", "<script", "<iframe",
                             "<img", "<object", "<embed"})
    CHECK(html.find(remote) == std::string::npos);
}

TEST_CASE("a summary without a timeline gives charts that say no data", "[metrics][report]") {
  auto empty = summary(3);
  empty["timeline"] = Json::array();
  auto older = summary(3);
  older.erase("timeline");
  for (const auto& s : {empty, older}) {
    std::string html = html_report(s);
    CHECK(occurrences(html, "<svg") == 5);
    CHECK(occurrences(html, ">no data</text>") == 5);
    CHECK(occurrences(html, "<polyline") == 0);
    CHECK(html.find("✗ thresholds failed") != std::string::npos);  // the rest is still there
  }
}

TEST_CASE("a bare summary renders without failing", "[metrics][report]") {
  std::string html = html_report(Json{{"reprise_summary", 1}});
  CHECK(html.find("no thresholds") != std::string::npos);
  CHECK(occurrences(html, ">no data</text>") == 5);
}

TEST_CASE("the statuses by route and why requests failed, as handed in, escaped", "[metrics][report]") {
  reprise::metrics::StatusSection statuses;
  statuses.expected = "200-399";
  statuses.rows = {{"Login", "POST", "200", "401", 3, true}, {"<Me>", "GET", "200", "200", 9, false}};
  statuses.why = {"Me GET: 3 of 3 answered 401 & more"};
  std::string html = html_report(summary(3), statuses);
  CHECK(html.find("<h2>Statuses by route</h2>") != std::string::npos);
  CHECK(html.find("expected statuses: 200-399") != std::string::npos);
  CHECK(html.find("<td>Login</td><td>POST</td><td class=\"n\">200</td><td class=\"n\">401</td>"
                  "<td class=\"n\">3</td><td class=\"bad\">✗ failed</td>") != std::string::npos);
  CHECK(html.find("<td>&lt;Me&gt;</td>") != std::string::npos);
  CHECK(html.find("<li>Me GET: 3 of 3 answered 401 &amp; more</li>") != std::string::npos);
  // without rows there is no section
  CHECK(html_report(summary(3)).find("Statuses by route") == std::string::npos);
  statuses.why.clear();
  CHECK(html_report(summary(3), statuses).find("Why requests failed") == std::string::npos);
}
