#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;
using namespace std::chrono_literals;

TEST_CASE("slow_close: the connection closes after the answer, once the delay has passed", "[faults]") {
  auto hits = hit(R"("slow_close": {"delay": "2s"})");
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::go_on);
  CHECK(hits.closes());
  run(hits.at_close(x));
  CHECK(x.pauses == std::vector<Duration>{2s});
}
