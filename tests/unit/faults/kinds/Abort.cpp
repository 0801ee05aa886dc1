#include <catch2/catch.hpp>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;

TEST_CASE("abort: the proxy answers with the status and body, the upstream is not asked", "[faults]") {
  auto hits = hit(R"("abort": {"status": 503, "body": "later"})");
  FakeExchange x;
  CHECK(run(hits.before_upstream(x)) == Next::answered);
  CHECK(x.answered == 503);
  CHECK(x.answer_body == "later");
  CHECK_FALSE(hits.closes());
}

TEST_CASE("abort: the body defaults to a short note; statuses without a body are refused", "[faults]") {
  auto hits = hit(R"("abort": {"status": 500})");
  FakeExchange x;
  run(hits.before_upstream(x));
  CHECK(x.answer_body == "fault injected\n");
  CHECK(error_of(R"({"faults": [{"name": "x", "abort": {"status": 700}}]})") ==
        "faults.json:field faults[0].abort.status: must be a number from 200 to 599");
  CHECK(error_of(R"({"faults": [{"name": "x", "abort": {"status": 204}}]})") ==
        "faults.json:field faults[0].abort.status: must be a status with a body (not 204 or 304)");
  CHECK(error_of(R"({"faults": [{"name": "x", "abort": {}}]})") ==
        "faults.json:field faults[0].abort: needs a \"status\"");
}
