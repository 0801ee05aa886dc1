// `reprise record`: captures one TCP port on a live interface with libpcap and writes the HTTP
// exchanges as they complete (on disk within 200 ms), until SIGINT/SIGTERM or the duration
// ends. Passive: it never touches the traffic, and sees only connections that start after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "Duration.hpp"
#include "importers/CaptureOutput.hpp"
#include "importers/TrafficDecoder.hpp"

namespace reprise::importers {

struct InterfaceRecordingConfig {
  std::string interface;
  uint16_t port = 0;
  std::optional<Duration> duration;
  OutputOptions output;  // its body limit applies to the bodies kept
  std::optional<capture::Redactor> redactor;
};

struct InterfaceRecordingResult {
  uint64_t written = 0;
  uint64_t kernel_drops = 0;
  double seconds = 0;
  TrafficStats stats;
  std::string redacted;
};

// Throws RuntimeFailure when capturing is not allowed (not root, no CAP_NET_RAW) or fails.
InterfaceRecordingResult record_interface(InterfaceRecordingConfig config);

}  // namespace reprise::importers
