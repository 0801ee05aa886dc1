// Splits a Server-Sent-Events body into events, to time and size each one for a capture: an
// event ends at an empty line ("\n\n", "\r\n\r\n" or "\r\n\n", the SSE spec's line ends), and its
// size counts every byte since the previous event ended. Shared by the proxy's recording and the
// pcap importer so both count events the same way. It keeps no body bytes and parses no fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class SseEvents {
 public:
  // True for a Content-Type that announces an event stream.
  static bool is_event_stream(std::string_view content_type);

  // Feeds dechunked body bytes that arrived `t_us` after the exchange began; appends one event
  // to `stream` for every event they end.
  void feed(std::string_view piece, int64_t t_us, Stream& stream);

 private:
  bool last_was_newline_ = false;
  uint64_t event_bytes_ = 0;
};

}  // namespace reprise::capture
