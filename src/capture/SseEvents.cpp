#include "capture/SseEvents.hpp"

namespace reprise::capture {

void SseEvents::feed(std::string_view piece, int64_t t_us, Stream& stream) {
  size_t event_start = 0;  // in `piece`
  scanner_.feed(piece, [&](http::EventStreamScanner::Block block) {
    if (!block.dispatched) return;
    stream.add({t_us, event_bytes_ + (block.end - event_start), 'd'});
    event_bytes_ = 0;
    event_start = block.end;
  });
  event_bytes_ += piece.size() - event_start;
}

}  // namespace reprise::capture
