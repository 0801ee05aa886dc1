#include "capture/ExchangeQueues.hpp"

#include <catch2/catch.hpp>

using reprise::capture::Exchange;
using reprise::capture::ExchangeQueues;

TEST_CASE("a record handed back comes out of take() emptied, its answer's memory kept for the next") {
  ExchangeQueues queues(1, 4);
  auto x = queues.take(0);
  x->session = "c1";
  x->req.target = "/a";
  x->req.headers = {{"Host", "h"}};
  x->raw_request_head.assign("GET /a HTTP/1.1\r\n\r\n");
  auto& res = reprise::capture::emplace_response(*x);
  res.status = 200;
  res.body.data.assign(4096, 'b');
  res.body.size = 4096;
  const char* body_memory = res.body.data.data();
  REQUIRE(queues.push(0, std::move(x)));

  int drained = 0;
  queues.drain([&](size_t producer, std::unique_ptr<Exchange> r) {
    ++drained;
    CHECK(r->session == "c1");  // the consumer gets it as it was filled
    queues.give_back(producer, std::move(r));
  });
  CHECK(drained == 1);

  auto again = queues.take(0);
  CHECK(again->session.empty());
  CHECK(again->req.target.empty());
  CHECK(again->req.headers.empty());
  CHECK(again->raw_request_head.empty());
  CHECK_FALSE(again->res);
  auto& next = reprise::capture::emplace_response(*again);
  CHECK(next.status == 0);
  CHECK(next.body.data.empty());
  CHECK(next.body.size == 0);
  CHECK(next.body.data.capacity() >= 4096);
  CHECK(next.body.data.data() == body_memory);  // no allocation for the next answer's body
}

TEST_CASE("a record handed back frees bodies above the kept size and a stream's events at once") {
  ExchangeQueues queues(1, 4);
  auto x = queues.take(0);
  x->req.body.data.assign(ExchangeQueues::kKeptBody + 1, 'q');
  reprise::capture::emplace_response(*x).body.data.assign(ExchangeQueues::kKeptBody + 1, 'r');
  x->stream = reprise::capture::Stream{"sse", {{1, 9, 'd'}}, 0, 0};
  REQUIRE(queues.push(0, std::move(x)));
  queues.drain(
      [&](size_t producer, std::unique_ptr<Exchange> r) { queues.give_back(producer, std::move(r)); });
  auto again = queues.take(0);
  CHECK(again->req.body.data.capacity() <= ExchangeQueues::kKeptBody);
  CHECK_FALSE(again->stream);
  CHECK(reprise::capture::emplace_response(*again).body.data.capacity() <= ExchangeQueues::kKeptBody);
}
