// timeout: the request is held, unanswered, then the client connection is closed (Toxiproxy's
// timeout): {"hold": "5s"}.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class Timeout : public FaultKind {
 public:
  explicit Timeout(Duration hold) : hold_(hold) {}
  void apply(Effects& e, Direction, Random&) const override { e.hold = hold_; }

 private:
  Duration hold_;
};

}  // namespace

std::shared_ptr<const FaultKind> parse_timeout(const KindReader& r) {
  r.only({"hold"});
  if (!r.has("hold")) r.fail("", "needs \"hold\", how long the request waits before the close");
  return std::make_shared<Timeout>(r.duration("hold"));
}

}  // namespace reprise::faults
