// HAR 1.2 (the HTTP Archive browsers, mitmproxy and Charles write) to and from capture
// exchanges. Reading maps log.entries[] to exchanges; writing maps exchanges to entries and
// keeps what HAR has no field for (exact t_us, ids, the target when the URL cannot carry it,
// binary request bodies, truncation, SSE/WebSocket events) under "_reprise" keys, so that
// capture → HAR → capture keeps every field. Conversion only: no redaction, no files beyond
// the one read or the stream written to.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::importers {

struct HarCapture {
  capture::CaptureHeader header;  // source "har"; created from log._reprise or the first entry
  std::vector<capture::Exchange> exchanges;
  uint64_t other_versions = 0;  // entries in HTTP/2 or HTTP/3 (or no version), kept as 1.1
};

// Reads a HAR file; throws InputError(file, JSON path such as "log.entries[3].request.url",
// problem) when it is not JSON or not HAR.
HarCapture read_har(const std::string& path);
HarCapture har_to_capture(const nlohmann::json& har, const std::string& file);

// Writes a HAR 1.2 document one entry at a time (one entry per line), so a capture of any size
// streams through. finish() closes the document; without it the output is not valid JSON.
class HarWriter {
 public:
  HarWriter(std::ostream& out, const capture::CaptureHeader& header);
  void add(const capture::Exchange& x);
  void finish();

 private:
  std::ostream& out_;
  capture::CaptureHeader header_;
  int64_t created_us_ = 0;
  bool first_ = true;
};

nlohmann::ordered_json har_entry(const capture::Exchange& x, const capture::CaptureHeader& header,
                                 int64_t created_us);

// "http://user@host:8080/p?q#f" → authority "host:8080", target "/p?q"; a bare "/p?q" has no
// authority. The target is kept byte for byte (no normalising). Returns the problem, or "".
std::string split_url(const std::string& url, std::string& authority, std::string& target);

// ISO-8601 date-times as HAR writes them ("2024-05-01T10:00:00.123+02:00", "...Z"), in
// microseconds since the Unix epoch; false when `text` is not one.
bool parse_iso8601(const std::string& text, int64_t& us);
// UTC with milliseconds, or microseconds when they are not whole milliseconds.
std::string format_iso8601(int64_t us);

}  // namespace reprise::importers
