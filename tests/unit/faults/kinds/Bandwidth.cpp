#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;
using namespace std::chrono_literals;

TEST_CASE("bandwidth: a twentieth of a second's bytes every 50 ms, to the client by default", "[faults]") {
  auto hits = hit(R"("bandwidth": {"bytes_per_sec": 10240})");
  CHECK(hits.pacing(Direction::downstream).bytes == 512);
  CHECK(hits.pacing(Direction::downstream).pause == 50ms);
  CHECK(hits.pacing(Direction::upstream).bytes == 0);
  auto up = hit(R"("bandwidth": {"bytes_per_sec": 10240})", R"("direction": "upstream")");
  CHECK(up.pacing(Direction::upstream).bytes == 512);
  CHECK(up.pacing(Direction::downstream).bytes == 0);
}

TEST_CASE("bandwidth: two pacings of one direction give the slower", "[faults]") {
  auto set = set_of(R"({"faults": [{"name": "fast", "bandwidth": {"bytes_per_sec": 100000}},
                                   {"name": "slow", "bandwidth": {"bytes_per_sec": 1000}},
                                   {"name": "mid", "bandwidth": {"bytes_per_sec": 20000}}]})");
  reprise::http::MessageHead request;
  request.method = "GET";
  request.target = "/";
  Random random(1);
  auto hits = set.choose(request, Duration{0}, random);
  CHECK(hits.pacing(Direction::downstream).bytes == 50);
}

TEST_CASE("bandwidth: needs a rate of at least 20 bytes a second", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "bandwidth": {"bytes_per_sec": 5}}]})") ==
        "faults.json:field faults[0].bandwidth.bytes_per_sec: must be a number from 20 to 1000000000000");
}
