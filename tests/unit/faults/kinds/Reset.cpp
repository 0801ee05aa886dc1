#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;

TEST_CASE("reset: the client connection is reset and nothing is answered", "[faults]") {
  auto hits = hit(R"("reset": {})");
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::closed);
  CHECK(x.was_reset);
  CHECK_FALSE(x.answered);
}

TEST_CASE("reset: takes no settings and no direction", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {"now": true}}]})") ==
        "faults.json:field faults[0].reset.now: is not a setting of this kind (it has none)");
  CHECK(error_of(R"({"faults": [{"name": "x", "reset": {}, "direction": "up"}]})") ==
        "faults.json:field faults[0].direction: means nothing for reset");
}
