#include "faults/FaultSet.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "InputError.hpp"
#include "TempFile.hpp"
#include "faults/FakeExchange.hpp"
#include "faults/FaultKinds.hpp"

using reprise::faults::Direction;
using reprise::faults::Duration;
using reprise::faults::FaultSet;
using reprise::faults::Next;
using reprise::faults::Random;
using reprise::faults::test::error_of;
using reprise::faults::test::FakeExchange;
using reprise::faults::test::run;
using reprise::faults::test::set_of;
using namespace std::chrono_literals;

namespace {

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
  auto hits = set.choose(request("GET", "/x"), 0s, random);
  CHECK(hits.names() == std::vector<std::string>{"d", "dd", "a", "r", "t", "b", "s", "c", "e", "u"});
  // Several on one request: the request delay first, then reset (ranked before timeout,
  // upstream_down and abort) ends the exchange; the later points still see the rest.
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::closed);
  CHECK(x.pauses == std::vector<Duration>{200ms});
  CHECK(x.was_reset);
  CHECK(x.holds.empty());
  CHECK_FALSE(x.refused);
  CHECK_FALSE(x.answered);
  run(hits.before_answer(x));
  CHECK(x.pauses == std::vector<Duration>{200ms, 10ms});
  CHECK(hits.pacing(Direction::downstream).bytes == 512);  // 10240/s written every 50 ms
  CHECK(hits.pacing(Direction::upstream).bytes == 16);
  CHECK(hits.closes());
  CHECK(hits.body_cutter("text/event-stream") != nullptr);
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

TEST_CASE("faults: the kind that ends an exchange does not hang on the file's order", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "a", "abort": {"status": 500}},
                                   {"name": "u", "upstream_down": {}},
                                   {"name": "t", "timeout": {"hold": "1s"}},
                                   {"name": "d", "delay": {"fixed": "5ms"}}]})");
  Random random(1);
  auto hits = set.choose(request("GET", "/"), 0s, random);
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::closed);
  CHECK(x.pauses == std::vector<Duration>{5ms});  // the delay listed last still comes first
  CHECK(x.holds == std::vector<Duration>{1s});    // timeout ranks before upstream_down and abort
  CHECK_FALSE(x.refused);
  CHECK_FALSE(x.answered);
}

TEST_CASE("faults: an abort's answer takes the response delay", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "a", "abort": {"status": 503}},
                                   {"name": "d", "direction": "downstream", "delay": {"fixed": "7ms"}}]})");
  Random random(1);
  auto hits = set.choose(request("GET", "/"), 0s, random);
  FakeExchange x;
  x.faults = &hits;
  CHECK(run(hits.before_upstream(x)) == Next::answered);
  CHECK(x.answered == 503);
  CHECK(x.pauses == std::vector<Duration>{7ms});
}

TEST_CASE("faults: every kind is registered, from its own file", "[faults]") {
  std::vector<std::string> kinds;
  for (const auto& [name, parse] : reprise::faults::fault_kinds()) kinds.push_back(name);
  CHECK(kinds == std::vector<std::string>{"abort", "bandwidth", "delay", "reset", "slice", "slow_close",
                                          "sse_drop", "timeout", "upstream_down"});
}

TEST_CASE("faults: of two of one kind on a request, the first in the file acts", "[faults]") {
  auto set = set_of(
      R"({"faults": [{"name": "a1", "abort": {"status": 503}}, {"name": "a2", "abort": {"status": 500}},
                                   {"name": "c1", "slow_close": {"delay": "2s"}},
                                   {"name": "c2", "slow_close": {"delay": "5s"}}]})");
  Random random(1);
  auto hits = set.choose(request("GET", "/"), 0s, random);
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::answered);
  CHECK(x.answered == 503);
  run(hits.at_close(x));
  CHECK(x.pauses == std::vector<Duration>{2s});
}

// Found by tests/fuzz/faults.cpp (corpus/faults/crash-number-overflow): a number no double holds
// aborted reprise (nlohmann's out_of_range) instead of giving one line.
TEST_CASE("fault file: a number too large for a double is one line naming the file") {
  reprise::test::TempFile file(
      std::string("{\"faults\":\n[   {\"name\": 888888888E888\x00\x00"
                  "8888888888888888&8888888888\"> \"POST\", \"Past\", \"s",
                  87));
  CHECK_THROWS_MATCHES(
      reprise::faults::FaultSet::load(file.path()), reprise::InputError,
      Catch::Matchers::Message(file.path() + ": is not JSON: number overflow parsing '888888888E888'"));
}
