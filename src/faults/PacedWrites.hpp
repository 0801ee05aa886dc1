// What bandwidth and slice both are once parsed: writes in one direction (downstream by default)
// go in pieces of `bytes` with a pause after each; with another pacing on the same direction of
// one exchange, the slower pace wins (Pacing::slow_to). The proxy's PacedWriter carries it out.
#pragma once

#include <memory>
#include <optional>

#include "faults/Fault.hpp"

namespace reprise::faults {

class PacedWrites : public FaultKind {
 public:
  explicit PacedWrites(Pacing pacing) : pacing_(pacing) {}
  std::unique_ptr<FaultAction> hit(Direction d, Random&) const override;
  std::optional<Direction> default_direction() const override { return Direction::downstream; }

 private:
  Pacing pacing_;
};

}  // namespace reprise::faults
