#include "capture/SseEvents.hpp"

#include "http/MessageHead.hpp"

namespace reprise::capture {

bool SseEvents::is_event_stream(std::string_view content_type) {
  constexpr std::string_view type = "text/event-stream";
  return content_type.size() >= type.size() && http::iequals(content_type.substr(0, type.size()), type);
}

void SseEvents::feed(std::string_view piece, int64_t t_us, Stream& stream) {
  for (char c : piece) {
    ++event_bytes_;
    if (c == '\r') continue;
    bool newline = c == '\n';
    if (newline && last_was_newline_) {
      stream.events.push_back({t_us, event_bytes_, 'd'});
      event_bytes_ = 0;
      last_was_newline_ = false;
      continue;
    }
    last_was_newline_ = newline;
  }
}

}  // namespace reprise::capture
