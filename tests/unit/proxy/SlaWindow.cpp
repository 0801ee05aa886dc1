#include "proxy/SlaWindow.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "proxy/SlaFile.hpp"

using reprise::metrics::FiguresByTag;
using reprise::metrics::TagKey;
using reprise::proxy::SlaChange;
using reprise::proxy::SlaWindow;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::vector<reprise::metrics::Threshold> thresholds(const char* json) {
  return reprise::metrics::parse_thresholds(nlohmann::json::parse(json), reprise::proxy::proxy_metric_names(),
                                            "sla.json");
}

// Cumulative figures that grow as a test goes: each call adds requests to one combination.
struct Traffic {
  FiguresByTag figures;
  void add(const TagKey& key, int n, uint64_t duration_us) {
    auto& f = figures[key];
    for (int i = 0; i < n; ++i) {
      ++f.http_reqs;
      if (key.status >= 400) ++f.http_req_failed;
      if (key.status >= 500) ++f.upstream_5xx;
      f.http_req_duration.record(duration_us);
    }
  }
};

// The measured value of a threshold's first condition (nullopt as -1, which Catch can print).
double measured(const SlaWindow& w, const std::string& threshold) {
  for (const auto& v : w.verdicts())
    if (v.threshold == threshold) return v.measured.value_or(-1);
  FAIL("no verdict for " << threshold);
  return -1;
}

const TagKey kSend{"SendMessage", "POST", 201};
const TagKey kSendFailed{"SendMessage", "POST", 500};
const TagKey kLogin{"Login", "POST", 200};

}  // namespace

TEST_CASE("sla window: the latest snapshot minus the one a window ago", "[proxy][sla]") {
  SlaWindow w(thresholds(R"({"http_req_duration{name:SendMessage}": ["p(95)<50", "count<=20"],
                             "http_reqs": ["count<=20", "rate<=10"]})"),
              3s, "3s");
  CHECK(w.step() == 1s);
  auto t0 = clock_type::now();
  Traffic traffic;
  w.add(traffic.figures, t0);      // baseline
  traffic.add(kSend, 10, 200000);  // 10 slow requests in the first second
  w.add(traffic.figures, t0 + 1s);
  CHECK(w.verdicts()[0].measured == Approx(200).epsilon(0.01));
  CHECK(w.verdicts()[1].measured == 10);
  for (int s = 2; s <= 4; ++s) {  // then 10 fast ones a second
    traffic.add(kSend, 10, 1000);
    w.add(traffic.figures, t0 + s * 1s);
  }
  // At 4 s the window is (1 s, 4 s]: the slow second is out, 30 fast requests are in.
  CHECK(w.verdicts()[0].measured == Approx(1).epsilon(0.01));
  CHECK(w.verdicts()[1].measured == 30);
  CHECK(w.verdicts()[1].breached);
  CHECK(w.verdicts()[2].measured == 30);
  CHECK(w.verdicts()[3].measured == Approx(10));  // a counter's rate is per second of the window
  CHECK(w.to_json(t0 + 4s)["measured_over_s"].get<double>() == Approx(3));
}

TEST_CASE("sla window: a breach starts once and ends once, with how long it lasted", "[proxy][sla]") {
  SlaWindow w(thresholds(R"({"http_req_duration{name:SendMessage}": ["p(95)<50"]})"), 3s, "3s");
  auto t0 = clock_type::now();
  Traffic traffic;
  w.add(traffic.figures, t0);
  std::vector<std::vector<SlaChange>> changes;
  for (int s = 1; s <= 10; ++s) {
    traffic.add(kSend, 5, s <= 2 ? 200000 : 200);  // slow for two seconds, then fast
    changes.push_back(w.add(traffic.figures, t0 + s * 1s));
  }
  REQUIRE(changes[0].size() == 1);
  CHECK(changes[0][0].started);
  CHECK(changes[0][0].text("3s") ==
        "SLA breach started: http_req_duration{name:SendMessage} p(95)<50 measured 200 over the last 3s");
  for (int s = 2; s <= 4; ++s)
    CHECK(changes[static_cast<size_t>(s - 1)].empty());  // still failing, not said again
  // At 5 s the window (2 s, 5 s] holds fast requests only.
  REQUIRE(changes[4].size() == 1);
  CHECK_FALSE(changes[4][0].started);
  CHECK(changes[4][0].lasted == 4s);
  CHECK(changes[4][0].text("3s") ==
        "SLA breach ended: http_req_duration{name:SendMessage} p(95)<50 measured 0.2 over the last 3s; "
        "lasted 4s");
  for (size_t i = 5; i < changes.size(); ++i) CHECK(changes[i].empty());
}

TEST_CASE("sla window: nothing measured in the window is no breach, and ends one", "[proxy][sla]") {
  SlaWindow w(thresholds(R"({"http_req_duration": ["p(95)<50"], "http_req_failed": ["rate<0.1"],
                             "upstream_5xx": ["count<1"], "sse_connections": ["value<5"]})"),
              2s, "2s");
  auto t0 = clock_type::now();
  Traffic traffic;
  auto first = w.add(traffic.figures, t0);
  CHECK(first.empty());
  for (const auto& v : w.verdicts()) {
    CHECK_FALSE(v.measured);
    CHECK_FALSE(v.breached);
  }
  CHECK(w.to_json(t0)["verdicts"][0]["state"] == "no data");
  CHECK(w.to_json(t0)["ok"] == true);
  traffic.add(kSendFailed, 4, 100000);
  auto started = w.add(traffic.figures, t0 + 1s);
  CHECK(started.size() == 3);  // duration, failed rate, upstream 5xx; the gauge has nothing
  CHECK(w.to_json(t0 + 1s)["ok"] == false);
  w.add(traffic.figures, t0 + 2s);
  auto ended = w.add(traffic.figures, t0 + 3s);  // the window (1 s, 3 s] has no request
  REQUIRE(ended.size() == 3);
  CHECK(ended[0].text("2s") ==
        "SLA breach ended: http_req_duration p(95)<50 nothing measured over the last 2s; lasted 2s");
  CHECK(w.to_json(t0 + 3s)["verdicts"][2]["state"] == "no data");
  CHECK(w.to_json(t0 + 3s)["verdicts"][2]["measured"].is_null());
}

TEST_CASE("sla window: a tag filter sums the combinations it picks", "[proxy][sla]") {
  CHECK(kSend.matches({{"name", "SendMessage"}}));
  CHECK(kSendFailed.matches({{"name", "SendMessage"}, {"status", "500"}}));
  CHECK_FALSE(kSend.matches({{"name", "SendMessage"}, {"status", "500"}}));
  CHECK(kLogin.matches({{"method", "post"}}));
  CHECK_FALSE(kLogin.matches({{"method", "GET"}}));
  CHECK(kLogin.matches({}));

  SlaWindow w(
      thresholds(R"({"http_reqs{name:SendMessage}": ["count<0"], "http_reqs{method:POST}": ["count<0"],
                             "http_reqs{status:500}": ["count<0"], "http_req_failed{name:SendMessage}": ["rate<0"],
                             "http_req_duration{name:SendMessage,status:201}": ["max<0"],
                             "upstream_5xx{name:Login}": ["count<0"]})"),
      10s, "10s");
  auto t0 = clock_type::now();
  Traffic traffic;
  w.add(traffic.figures, t0);
  traffic.add(kSend, 6, 200);
  traffic.add(kSendFailed, 2, 90000);
  traffic.add(kLogin, 3, 500);
  w.add(traffic.figures, t0 + 1s);
  CHECK(measured(w, "http_reqs{name:SendMessage}") == 8);                   // both SendMessage combinations
  CHECK(measured(w, "http_reqs{method:POST}") == 11);                       // every POST
  CHECK(measured(w, "http_reqs{status:500}") == 2);                         // every 500
  CHECK(measured(w, "http_req_failed{name:SendMessage}") == Approx(0.25));  // 2 failed of 8
  // the 201s only: the slow 500s are left out
  CHECK(measured(w, "http_req_duration{name:SendMessage,status:201}") == Approx(0.2));
  CHECK(measured(w, "upstream_5xx{name:Login}") == 0);  // Login had requests, none a 5xx: measured, 0
}

TEST_CASE("sla window: the sse_connections gauge is the latest value, not a difference", "[proxy][sla]") {
  SlaWindow w(thresholds(R"({"sse_connections": ["value<3"]})"), 5s, "5s");
  auto t0 = clock_type::now();
  FiguresByTag figures;
  w.add(figures, t0);
  figures[TagKey{"/events", "GET", 200}].sse_open = 4;  // open, none ended yet
  auto started = w.add(figures, t0 + 1s);
  REQUIRE(started.size() == 1);
  CHECK(w.verdicts()[0].measured == 4);
  figures[TagKey{"/events", "GET", 200}].sse_open = 1;
  figures[TagKey{"/events", "GET", 200}].http_reqs = 3;
  auto ended = w.add(figures, t0 + 2s);
  REQUIRE(ended.size() == 1);
  CHECK(w.verdicts()[0].measured == 1);
}

TEST_CASE("sla window: long windows keep about 120 snapshots", "[proxy][sla]") {
  SlaWindow w(thresholds(R"({"http_reqs": ["count<1"]})"), std::chrono::minutes(10), "10m");
  CHECK(w.step() == 5s);
}
