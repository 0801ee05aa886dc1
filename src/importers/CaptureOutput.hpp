// Numbers, redacts and writes the exchanges an importer hands out, on the importer's own thread
// (an importer can wait for the disk; the proxy's Recorder exists because the proxy cannot).
// Lines are gathered and written in batches: when a batch is large, when flush_if_due() finds
// the last write older than the flush interval, and at close().
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "capture/CaptureLines.hpp"
#include "capture/CaptureWriter.hpp"
#include "capture/Exchange.hpp"
#include "capture/Redactor.hpp"

namespace reprise::importers {

struct OutputOptions {
  std::string path;
  std::string source;  // "pcap", "interface"
  uint64_t body_limit = uint64_t{64} * 1024;
  std::string redaction = "default";  // the header's field: "default", "none", "default+rules"
};

class CaptureOutput {
 public:
  using clock = std::chrono::steady_clock;

  // Creates the file and writes the header; throws RuntimeFailure when it cannot. Without a
  // redactor secrets are written as they are.
  CaptureOutput(const OutputOptions& options, std::optional<capture::Redactor> redactor);

  void add(capture::Exchange&& x);
  // Writes what is gathered when the last write is `every` old or more.
  void flush_if_due(clock::time_point now, clock::duration every);
  // Writes what is gathered; throws RuntimeFailure when the file takes no more.
  void flush();

  uint64_t written() const { return written_; }
  // "header Authorization 3, json password 2", or "" when nothing was redacted.
  std::string redaction_summary() const { return lines_.redaction_summary(); }

 private:
  capture::CaptureWriter writer_;
  capture::CaptureLines lines_;
  std::string buffer_;
  uint64_t written_ = 0;
  clock::time_point last_write_ = clock::now();
};

}  // namespace reprise::importers
