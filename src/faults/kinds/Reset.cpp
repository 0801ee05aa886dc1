// reset: the client connection is closed with a TCP RST instead of an answer (Toxiproxy's
// reset_peer): {}.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Reset : public FaultKind {
 public:
  void apply(Effects& e, Direction, Random&) const override { e.reset = true; }
};

}  // namespace

std::shared_ptr<const FaultKind> parse_reset(const KindReader& r) {
  r.only({});
  return std::make_shared<Reset>();
}

}  // namespace reprise::faults
