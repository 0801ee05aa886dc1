// A token bucket over a clock the caller reads: at most `rate` tokens a second, and at most
// `burst` saved while nobody takes them. The chat service's topic consumer takes its events with
// it (DemoServer's delivery timer). Arithmetic only: it reads no clock and sleeps on nothing, so
// tests drive it with made-up time points.
#pragma once

#include <chrono>
#include <cstddef>

namespace reprise::demo {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` tokens a second (0: unbounded, every take gets all it wants); the bucket starts full.
  TokenBucket(double rate, double burst);

  // Takes up to `wanted` whole tokens at `now` (never earlier than the last call's); returns how
  // many it took.
  size_t take(Clock::time_point now, size_t wanted);

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

}  // namespace reprise::demo
