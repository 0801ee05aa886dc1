// upstream_down: the exchange is answered as when the upstream refuses connections (the proxy's
// own 502), without asking it: {}.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class UpstreamDown : public FaultKind, public FaultAction {
 public:
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override {
    return std::make_unique<UpstreamDown>();
  }
  int rank() const override { return 30; }
  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x) override {
    co_await x.refuse_connect();
    co_return Next::closed;
  }
};

std::shared_ptr<const FaultKind> parse_upstream_down(const KindReader& r) {
  r.only({});
  return std::make_shared<UpstreamDown>();
}

[[maybe_unused]] const bool upstream_down_registered = register_kind("upstream_down", parse_upstream_down);

}  // namespace
}  // namespace reprise::faults
