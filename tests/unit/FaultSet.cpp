#include "faults/FaultSet.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "InputError.hpp"

using reprise::faults::Duration;
using reprise::faults::Effects;
using reprise::faults::FaultSet;
using reprise::faults::Random;
using namespace std::chrono_literals;

namespace {

FaultSet set_of(const char* text) { return FaultSet::parse(nlohmann::json::parse(text), "faults.json"); }

std::string error_of(const char* text) {
  try {
    set_of(text);
  } catch (const reprise::InputError& e) {
    return e.what();
  }
  return "";
}

reprise::http::MessageHead request(std::string_view method, std::string_view target,
                                   std::vector<reprise::http::Header> headers = {}) {
  reprise::http::MessageHead h;
  h.method = method;
  h.target = target;
  h.headers = std::move(headers);
  return h;
}

}  // namespace

TEST_CASE("faults: every kind parses, and each sets what it asks of the exchange", "[faults]") {
  auto set = set_of(R"({"faults": [
    {"name": "d", "delay": {"fixed": "200ms"}},
    {"name": "dd", "direction": "downstream", "delay": {"fixed": "10ms"}},
    {"name": "a", "abort": {"status": 503, "body": "later"}},
    {"name": "r", "reset": {}},
    {"name": "t", "timeout": {"hold": "5s"}},
    {"name": "b", "bandwidth": {"bytes_per_sec": 10240}},
    {"name": "s", "direction": "upstream", "slice": {"bytes": 16, "pause": "5ms"}},
    {"name": "c", "slow_close": {"delay": "2s"}},
    {"name": "e", "sse_drop": {"after_events": 5, "after": "10s"}},
    {"name": "u", "upstream_down": {}}]})");
  Random random(1);
  Effects e = set.choose(request("GET", "/x"), 0s, random);
  CHECK(e.names == std::vector<std::string>{"d", "dd", "a", "r", "t", "b", "s", "c", "e", "u"});
  CHECK(e.request_delay == 200ms);
  CHECK(e.response_delay == 10ms);
  CHECK(e.answer_status == 503);
  CHECK(e.answer_body == "later");
  CHECK(e.reset);
  CHECK(e.hold == 5s);
  CHECK(e.to_client.bytes == 512);  // 10240/s written every 50 ms
  CHECK(e.to_client.pause == 50ms);
  CHECK(e.to_upstream.bytes == 16);
  CHECK(e.to_upstream.pause == 5ms);
  CHECK(e.close_delay == 2s);
  CHECK(e.cut_after_events == 5);
  CHECK(e.cut_after == 10s);
  CHECK(e.upstream_down);
  CHECK(set.to_json()["faults"].size() == 10);
}

TEST_CASE("faults: match by method, path pattern, header and query", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "m", "abort": {"status": 500},
    "match": {"method": "POST", "path": "/api/chat/rooms/*/messages", "header": {"X-Canary": "1"},
              "query": {"debug": ""}}}]})");
  Random random(1);
  auto hit = [&](std::string_view method, std::string_view target,
                 std::vector<reprise::http::Header> headers) {
    return set.choose(request(method, target, std::move(headers)), 0s, random).any();
  };
  CHECK(hit("post", "/api/chat/rooms/7/messages?debug", {{"x-canary", "1"}}));
  CHECK(hit("POST", "/api/chat/rooms/7/messages?a=b&debug=yes", {{"X-Canary", "1"}}));
  CHECK_FALSE(hit("GET", "/api/chat/rooms/7/messages?debug", {{"X-Canary", "1"}}));
  CHECK_FALSE(hit("POST", "/api/chat/rooms/7/messages?debug", {{"X-Canary", "2"}}));
  CHECK_FALSE(hit("POST", "/api/chat/rooms/7/messages", {{"X-Canary", "1"}}));
  CHECK_FALSE(hit("POST", "/api/chat/rooms/7/messages/1?debug", {{"X-Canary", "1"}}));
}

TEST_CASE("faults: percent hits its share; the same seed hits the same requests", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "p", "percent": 5, "abort": {"status": 503}}]})");
  auto hits = [&](uint64_t seed) {
    Random random(seed);
    std::vector<bool> out;
    for (int i = 0; i < 20000; ++i) out.push_back(set.choose(request("GET", "/"), 0s, random).any());
    return out;
  };
  auto a = hits(42);
  auto n = std::count(a.begin(), a.end(), true);
  // 20,000 draws at 5 %: mean 1000, sd 30.8; 4 sd either side
  CHECK(n > 1000 - 124);
  CHECK(n < 1000 + 124);
  CHECK(hits(42) == a);
  CHECK(hits(43) != a);
}

TEST_CASE("faults: a window opens at its start and closes at its end", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "w", "window": {"start": "60s", "end": "120s"}, "reset": {}}]})");
  Random random(1);
  CHECK_FALSE(set.choose(request("GET", "/"), 59'999'999us, random).any());
  CHECK(set.choose(request("GET", "/"), 60s, random).any());
  CHECK(set.choose(request("GET", "/"), 119'999'999us, random).any());
  CHECK_FALSE(set.choose(request("GET", "/"), 120s, random).any());
}

TEST_CASE("faults: delay distributions have the centre and spread they say", "[faults]") {
  auto median_ms = [](const char* spec) {
    auto set = FaultSet::parse(
        nlohmann::json::parse(std::string(R"({"faults": [{"name": "d", "delay": )") + spec + "}]}"),
        "f.json");
    Random random(7);
    std::vector<double> ms;
    for (int i = 0; i < 4001; ++i)
      ms.push_back(static_cast<double>(set.choose(request("GET", "/"), 0s, random).request_delay.count()) /
                   1000);
    std::sort(ms.begin(), ms.end());
    return std::array<double, 3>{ms.front(), ms[2000], ms.back()};
  };
  auto fixed = median_ms(R"({"fixed": "200ms", "jitter": "50ms"})");
  CHECK(fixed[0] >= 150);
  CHECK(fixed[2] <= 250);
  CHECK(std::abs(fixed[1] - 200) < 5);
  auto normal = median_ms(R"({"distribution": "normal", "mean": "100ms", "stddev": "10ms"})");
  CHECK(std::abs(normal[1] - 100) < 2);
  auto pareto = median_ms(R"({"distribution": "pareto", "scale": "50ms", "shape": 2})");
  CHECK(pareto[0] >= 50);
  CHECK(std::abs(pareto[1] - 50 * std::sqrt(2.0)) < 3);  // the median of Pareto(50, 2) is 50·2^(1/2)
}

TEST_CASE("faults: put replaces by name in place, remove removes", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "a", "reset": {}}, {"name": "b", "reset": {}}]})");
  CHECK(set.put(FaultSet::parse_fault(nlohmann::json::parse(R"({"name": "a", "abort": {"status": 500}})"),
                                      "POST", "body")));
  CHECK(set.faults()[0].kind == "abort");
  CHECK_FALSE(
      set.put(FaultSet::parse_fault(nlohmann::json::parse(R"({"name": "c", "reset": {}})"), "POST", "body")));
  CHECK(set.faults().size() == 3);
  CHECK(set.remove("b"));
  CHECK_FALSE(set.remove("b"));
  CHECK(set.find("c") != nullptr);
}

TEST_CASE("faults: a malformed file is one line naming the file, the field and the problem", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "delay": {"fixed": "soon"}}]})") ==
        "faults.json:field faults[0].delay.fixed: 'soon' is not a duration (expected a number)");
  CHECK(error_of(R"({"faults": [{"name": "x", "explode": {}}]})")
            .starts_with("faults.json:field faults[0].explode: is not a fault kind or setting (kinds: abort, "
                         "bandwidth, delay,"));
  CHECK(error_of(R"({"faults": [{"name": "x"}]})").starts_with("faults.json:field faults[0]: names no kind"));
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {}, "abort": {"status": 500}}]})")
            .starts_with("faults.json:field faults[0]."));
  CHECK(error_of(R"({"faults": [{"name": "x", "abort": {"status": 700}}]})") ==
        "faults.json:field faults[0].abort.status: must be a number from 200 to 599");
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {}, "direction": "up"}]})") ==
        "faults.json:field faults[0].direction: means nothing for reset");
  CHECK(error_of(R"({"faults": [{"name": "x", "delay": {"fixed": "1s", "jiter": "1s"}}]})") ==
        "faults.json:field faults[0].delay.jiter: is not a setting of this kind (fixed, jitter)");
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {}}, {"name": "x", "reset": {}}]})") ==
        "faults.json:field faults[1].name: 'x' is given twice");
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {}, "window": {"start": "2m", "end": "1m"}}]})") ==
        "faults.json:field faults[0].window.end: must come after start");
  CHECK(error_of(R"({"fault": []})") == "faults.json: must be {\"faults\": [...]}");
}
