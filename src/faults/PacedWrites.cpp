#include "faults/PacedWrites.hpp"

#include "faults/FaultAction.hpp"

namespace reprise::faults {
namespace {

class Paced : public FaultAction {
 public:
  Paced(Direction d, Pacing p) : direction_(d), pacing_(p) {}
  void pace(Direction d, Pacing& pace) const override {
    if (d == direction_) pace.slow_to(pacing_);
  }

 private:
  Direction direction_;
  Pacing pacing_;
};

}  // namespace

std::unique_ptr<FaultAction> PacedWrites::hit(Direction d, Random&) const {
  return std::make_unique<Paced>(d, pacing_);
}

}  // namespace reprise::faults
