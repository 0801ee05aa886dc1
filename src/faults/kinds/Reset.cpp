// reset: the client connection is closed with a TCP RST instead of an answer (Toxiproxy's
// reset_peer): {}.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Reset : public FaultKind, public FaultAction {
 public:
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override { return std::make_unique<Reset>(); }
  int rank() const override { return 10; }
  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x) override {
    x.reset();
    co_return Next::closed;
  }
};

std::shared_ptr<const FaultKind> parse_reset(const KindReader& r) {
  r.only({});
  return std::make_shared<Reset>();
}

[[maybe_unused]] const bool reset_registered = register_kind("reset", parse_reset);

}  // namespace
}  // namespace reprise::faults
