// upstream_down: the exchange is answered as when the upstream refuses connections (the proxy's
// own 502), without asking it: {}.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class UpstreamDown : public FaultKind {
 public:
  void apply(Effects& e, Direction, Random&) const override { e.upstream_down = true; }
};

}  // namespace

std::shared_ptr<const FaultKind> parse_upstream_down(const KindReader& r) {
  r.only({});
  return std::make_shared<UpstreamDown>();
}

}  // namespace reprise::faults
