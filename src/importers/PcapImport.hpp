// `reprise import pcap`: reads a capture file with libpcap and writes the HTTP exchanges found in
// it as a reprise capture. The output appears only when the import succeeds (it is written
// beside the target and renamed), so a failed import never leaves a file that looks whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "importers/CaptureOutput.hpp"
#include "importers/TrafficDecoder.hpp"

namespace reprise::importers {

struct PcapImportConfig {
  std::string file;
  std::optional<uint16_t> port;  // the server port; none: every connection that speaks HTTP
  OutputOptions output;          // its body limit applies to the bodies kept
  std::optional<capture::Redactor> redactor;
};

struct PcapImportResult {
  uint64_t written = 0;
  TrafficStats stats;
  std::string redacted;
};

// Throws InputError naming the file (and the packet) for a file that is not a capture, is cut off
// or corrupt, or holds no HTTP exchange; RuntimeFailure when the output cannot be written.
PcapImportResult import_pcap(PcapImportConfig config);

}  // namespace reprise::importers
