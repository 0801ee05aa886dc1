// sse_drop: an event stream is cut (the client connection closed) after N events a browser
// dispatches (http::EventStreamScanner: heartbeats and retry-only blocks are no events) or T
// after its head, whichever comes first: {"after_events": 5}, {"after": "10s"}, or both. The
// client gets the stream up to the end of the Nth event, never a part of an event.
#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"
#include "http/EventStream.hpp"

namespace reprise::faults {
namespace {

class SseDrop : public FaultKind, public FaultAction {
 public:
  SseDrop(uint64_t events, Duration after) : events_(events), after_(after) {}
  std::unique_ptr<FaultAction> hit(Direction, Random&) const override {
    return std::make_unique<SseDrop>(events_, after_);
  }

  bool watches_body(std::string_view content_type) override {
    if (!http::is_event_stream(content_type)) return false;
    if (after_.count() > 0) cut_at_ = clock::now() + after_;
    return true;
  }
  size_t pass(std::string_view piece, bool& cut) override {
    if (events_ == 0) return piece.size();
    size_t keep = piece.size();
    scanner_.feed(piece, [&](http::EventStreamScanner::Block b) {
      if (!cut && b.dispatched && scanner_.events() == events_) {
        keep = b.end;
        cut = true;
      }
    });
    return keep;
  }
  clock::time_point cut_at() const override { return cut_at_; }

 private:
  uint64_t events_;  // 0: no count
  Duration after_;   // 0: no time
  http::EventStreamScanner scanner_;
  clock::time_point cut_at_ = clock::time_point::max();
};

std::shared_ptr<const FaultKind> parse_sse_drop(const KindReader& r) {
  r.only({"after_events", "after"});
  if (!r.has("after_events") && !r.has("after")) r.fail("", "needs \"after_events\" or \"after\"");
  return std::make_shared<SseDrop>(
      r.has("after_events") ? static_cast<uint64_t>(r.number("after_events", 1, 1e12)) : 0,
      r.has("after") ? r.duration("after") : Duration{0});
}

[[maybe_unused]] const bool sse_drop_registered = register_kind("sse_drop", parse_sse_drop);

}  // namespace
}  // namespace reprise::faults
