// The token bucket the chat service's topic consumer takes its events with, over made-up time:
// it starts full, refills at its rate, saves no more than its burst, and bounds what a run of
// small ticks takes to the rate.
#include "demo/TokenBucket.hpp"

#include <catch2/catch.hpp>

using reprise::demo::TokenBucket;
using namespace std::chrono_literals;

namespace {
const TokenBucket::Clock::time_point t0{1000s};
}

TEST_CASE("token bucket: starts full, takes no more than it has or is asked for", "[delivery]") {
  TokenBucket b(100, 10);
  CHECK(b.take(t0, 3) == 3);
  CHECK(b.take(t0, 1000) == 7);
  CHECK(b.take(t0, 1000) == 0);  // no time passed, nothing came back
  CHECK(b.take(t0 + 50ms, 1000) == 5);
  CHECK(b.take(t0 + 55ms, 1000) == 0);  // half a token is not a token...
  CHECK(b.take(t0 + 65ms, 1000) == 1);  // ...until the rest comes; the half left over is kept
  CHECK(b.take(t0 + 72ms, 1000) == 1);
  CHECK(b.take(t0 + 90ms, 0) == 0);
}

TEST_CASE("token bucket: saves at most its burst while nobody takes", "[delivery]") {
  TokenBucket b(100, 10);
  CHECK(b.take(t0, 1000) == 10);
  CHECK(b.take(t0 + 10s, 1000) == 10);
  TokenBucket small(20, 0.5);  // a burst below one token still lets one through
  CHECK(small.take(t0, 5) == 1);
  CHECK(small.take(t0 + 10s, 5) == 1);
}

TEST_CASE("token bucket: ticks of 10 ms take at most the rate over simulated time", "[delivery]") {
  for (double rate : {20.0, 2000.0}) {
    TokenBucket b(rate, rate / 10);
    size_t taken = 0;
    auto now = t0;
    for (int tick = 0; tick < 1000; ++tick, now += 10ms) taken += b.take(now, 1'000'000);
    // 1,000 ticks are 9.99 s after the first: the rate times that, plus the burst it started with.
    INFO("rate " << rate);
    CHECK(taken <= static_cast<size_t>(rate * 9.99 + rate / 10) + 1);
    CHECK(taken >= static_cast<size_t>(rate * 9.99));
  }
}

TEST_CASE("token bucket: late ticks lose nothing up to the burst; a clock going back gives nothing",
          "[delivery]") {
  TokenBucket b(1000, 100);
  CHECK(b.take(t0, 1'000'000) == 100);
  CHECK(b.take(t0 + 80ms, 1'000'000) == 80);  // one tick 70 ms late: all its tokens are there
  CHECK(b.take(t0 + 50ms, 1'000'000) == 0);
  CHECK(b.take(t0 + 90ms, 1'000'000) == 10);
}

TEST_CASE("token bucket: rate 0 is unbounded", "[delivery]") {
  TokenBucket b(0, 0);
  CHECK(b.take(t0, 123456) == 123456);
  CHECK(b.take(t0, 7) == 7);
}
