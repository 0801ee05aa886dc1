// Turns finished exchanges into capture lines the same way for every writer of captures (the
// proxy's recorder, the pcap and interface importers): ids numbered in write order, secrets
// redacted unless redaction is off, then serialised. A header whose bytes are not UTF-8 is
// written with U+FFFD in their place, and said once per header name in a warning. Also the
// header of a new capture. Not thread-safe: one per capture, on the thread that writes it.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "capture/Exchange.hpp"
#include "capture/Redactor.hpp"

namespace reprise::capture {

// A header stamped with the current time (UTC).
CaptureHeader new_header(std::string source, std::string upstream, std::string redaction,
                         uint64_t body_limit);

class CaptureLines {
 public:
  explicit CaptureLines(std::optional<Redactor> redactor) : redactor_(std::move(redactor)) {}

  void append(std::string& out, Exchange& x);
  // "header Authorization 3, json password 2", or "" when nothing was redacted.
  std::string redaction_summary() const;

 private:
  void warn_not_utf8(const Exchange& x, const HeaderList& headers);

  std::optional<Redactor> redactor_;
  uint64_t next_id_ = 0;
  std::set<std::string> not_utf8_;  // lower-cased names of headers already warned about
};

}  // namespace reprise::capture
