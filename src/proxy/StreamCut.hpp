// An answer's body as a fault that cuts streams (sse_drop) lets it through: the pieces that go
// out, and when the stream is cut. Inactive, and free, unless a fault watches this body.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "faults/ExchangeFaults.hpp"

namespace reprise::proxy {

class StreamCut {
 public:
  using clock = std::chrono::steady_clock;

  // At an answer's head: whether a fault that hit the exchange cuts a body of this type.
  void begin(faults::ExchangeFaults& faults, std::string_view content_type) {
    cutter_ = faults.any() ? faults.body_cutter(content_type) : nullptr;
  }
  void end() { cutter_ = nullptr; }
  bool active() const { return cutter_ != nullptr; }

  // The part of `pieces` that goes out; `cut` set when the stream ends after it.
  const std::vector<std::string_view>& pass(const std::vector<std::string_view>& pieces, bool& cut);
  clock::time_point at() const { return cutter_ ? cutter_->cut_at() : clock::time_point::max(); }
  bool due() const { return cutter_ && clock::now() >= cutter_->cut_at(); }

 private:
  faults::FaultAction* cutter_ = nullptr;  // the exchange's: end() before its faults are cleared
  std::vector<std::string_view> kept_;
};

}  // namespace reprise::proxy
