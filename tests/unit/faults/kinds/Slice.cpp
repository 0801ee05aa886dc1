#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;
using namespace std::chrono_literals;

TEST_CASE("slice: writes in pieces of the size given, with the pause given", "[faults]") {
  auto hits = hit(R"("slice": {"bytes": 16, "pause": "5ms"})", R"("direction": "upstream")");
  CHECK(hits.pacing(Direction::upstream).bytes == 16);
  CHECK(hits.pacing(Direction::upstream).pause == 5ms);
  CHECK(hits.pacing(Direction::downstream).bytes == 0);
}

TEST_CASE("slice: needs bytes and pause", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "slice": {"bytes": 16}}]})") ==
        "faults.json:field faults[0].slice: needs \"bytes\" and \"pause\"");
}
