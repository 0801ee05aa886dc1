#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;

TEST_CASE("upstream_down: answered as a refused connect, the upstream not asked", "[faults]") {
  auto hits = hit(R"("upstream_down": {})");
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::closed);
  CHECK(x.refused);
  CHECK_FALSE(x.answered);
}
