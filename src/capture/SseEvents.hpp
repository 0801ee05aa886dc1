// Times and sizes the events of a Server-Sent-Events body for a capture: one record per event a
// browser dispatches (http::EventStreamScanner's rule), sized by every byte since the previous
// event ended (comment-only heartbeats in between count into the next event's size). Shared by
// the proxy's recording, the pcap importer and the replayer's stream reader. It keeps no body
// bytes and parses no fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "capture/Exchange.hpp"
#include "http/EventStream.hpp"

namespace reprise::capture {

class SseEvents {
 public:
  // Feeds dechunked body bytes that arrived `t_us` after the exchange began; appends one event
  // to `stream` for every event they end.
  void feed(std::string_view piece, int64_t t_us, Stream& stream);

 private:
  http::EventStreamScanner scanner_;
  uint64_t event_bytes_ = 0;  // since the last event ended, before the piece being fed
};

}  // namespace reprise::capture
