// Splits one direction of a WebSocket byte stream into frames (RFC 6455 §5.2) to time and size
// each one for a capture, as SseEvents does for event streams. It reads frame headers only:
// payloads are skipped, never kept or unmasked. For the proxy's recording (and, next, the pcap
// importer's tunnels).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class WebSocketFrames {
 public:
  // Feeds tunnel bytes of direction `dir` ('u' client to upstream, 'd' back) that arrived
  // `t_us` after the exchange began; appends an event for every frame header completed.
  void feed(std::string_view data, char dir, int64_t t_us, Stream& stream);

 private:
  std::string header_;      // the frame header read so far
  uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
};

}  // namespace reprise::capture
