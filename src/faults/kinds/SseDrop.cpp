// sse_drop: an event stream is cut (the client connection closed) after N events or T seconds,
// whichever comes first: {"after_events": 5}, {"after": "10s"}, or both.
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

class SseDrop : public FaultKind {
 public:
  SseDrop(uint64_t events, Duration after) : events_(events), after_(after) {}
  void apply(Effects& e, Direction, Random&) const override {
    e.cut_after_events = events_;
    e.cut_after = after_;
  }

 private:
  uint64_t events_;
  Duration after_;
};

}  // namespace

std::shared_ptr<const FaultKind> parse_sse_drop(const KindReader& r) {
  r.only({"after_events", "after"});
  if (!r.has("after_events") && !r.has("after")) r.fail("", "needs \"after_events\" or \"after\"");
  return std::make_shared<SseDrop>(
      r.has("after_events") ? static_cast<uint64_t>(r.number("after_events", 1, 1e12)) : 0,
      r.has("after") ? r.duration("after") : Duration{0});
}

}  // namespace reprise::faults
