// timeout: the request is held, unanswered, then the client connection is closed (Toxiproxy's
// timeout): {"hold": "5s"}. A client that leaves first ends its hold at once.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Timeout : public FaultKind, public FaultAction {
 public:
  explicit Timeout(Duration hold) : hold_(hold) {}
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override {
    return std::make_unique<Timeout>(*this);
  }
  int rank() const override { return 20; }
  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x) override {
    co_await x.hold(hold_);
    co_return Next::closed;
  }

 private:
  Duration hold_;
};

std::shared_ptr<const FaultKind> parse_timeout(const KindReader& r) {
  r.only({"hold"});
  if (!r.has("hold")) r.fail("", "needs \"hold\", how long the request waits before the close");
  return std::make_shared<Timeout>(r.duration("hold"));
}

[[maybe_unused]] const bool timeout_registered = register_kind("timeout", parse_timeout);

}  // namespace
}  // namespace reprise::faults
