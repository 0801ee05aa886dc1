#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;
using namespace std::chrono_literals;

TEST_CASE("timeout: the request is held unanswered, then the connection closes", "[faults]") {
  auto hits = hit(R"("timeout": {"hold": "5s"})");
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::closed);
  CHECK(x.holds == std::vector<Duration>{5s});
  CHECK_FALSE(x.answered);
}

TEST_CASE("timeout: needs a hold", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "timeout": {}}]})") ==
        "faults.json:field faults[0].timeout: needs \"hold\", how long the request waits before the close");
}
