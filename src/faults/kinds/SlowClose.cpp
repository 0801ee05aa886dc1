// slow_close: the answer is sent whole, then the proxy waits before closing the client
// connection (Toxiproxy's slow_close): {"delay": "2s"}. The exchange's connection is closed
// after it even when keep-alive was asked.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class SlowClose : public FaultKind, public FaultAction {
 public:
  explicit SlowClose(Duration delay) : delay_(delay) {}
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override {
    return std::make_unique<SlowClose>(*this);
  }
  bool closes() const override { return delay_.count() > 0; }  // "0s": keep-alive goes on
  boost::asio::awaitable<void> at_close(ExchangeControl& x) override { co_await x.pause(delay_); }

 private:
  Duration delay_;
};

std::shared_ptr<const FaultKind> parse_slow_close(const KindReader& r) {
  r.only({"delay"});
  if (!r.has("delay")) r.fail("", "needs \"delay\"");
  return std::make_shared<SlowClose>(r.duration("delay"));
}

[[maybe_unused]] const bool slow_close_registered = register_kind("slow_close", parse_slow_close);

}  // namespace
}  // namespace reprise::faults
