// slow_close: the answer is sent whole, then the proxy waits before closing the client
// connection (Toxiproxy's slow_close): {"delay": "2s"}. The exchange's connection is closed
// after it even when keep-alive was asked.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class SlowClose : public FaultKind {
 public:
  explicit SlowClose(Duration delay) : delay_(delay) {}
  void apply(Effects& e, Direction, Random&) const override { e.close_delay = delay_; }

 private:
  Duration delay_;
};

}  // namespace

std::shared_ptr<const FaultKind> parse_slow_close(const KindReader& r) {
  r.only({"delay"});
  if (!r.has("delay")) r.fail("", "needs \"delay\"");
  return std::make_shared<SlowClose>(r.duration("delay"));
}

}  // namespace reprise::faults
