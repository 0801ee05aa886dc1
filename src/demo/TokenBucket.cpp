#include "demo/TokenBucket.hpp"

#include <algorithm>
#include <cmath>

namespace reprise::demo {

TokenBucket::TokenBucket(double rate, double burst)
    : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(burst_) {}

size_t TokenBucket::take(Clock::time_point now, size_t wanted) {
  if (rate_ <= 0) return wanted;
  if (started_ && now > last_) {
    double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  }
  if (!started_ || now > last_) last_ = now;
  started_ = true;
  auto taken = static_cast<size_t>(std::min(std::floor(tokens_), static_cast<double>(wanted)));
  tokens_ -= static_cast<double>(taken);
  return taken;
}

}  // namespace reprise::demo
