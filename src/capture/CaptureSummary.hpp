// What `reprise inspect` tells about a capture, gathered in one pass over its exchanges:
// routes with ids folded, statuses, recorded latencies, sessions, SSE and WebSocket streams,
// the time span, what was redacted, and damage. Analysis only: printing it (table or JSON) is
// cli/InspectCommand's job, and reading files is CaptureReader's.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::capture {

class CaptureReader;


// Percentile p (0..100) of ascending values, interpolated between the closest ranks the way
// k6 computes p(N); 0 for no values.
double percentile(const std::vector<int64_t>& sorted, double p);

struct Spread {
  double min = 0, median = 0, max = 0;
};

struct Latency {
  uint64_t samples = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

// Status class ("1xx" .. "5xx", "none" when no response came) → exchanges.
using StatusClasses = std::map<std::string, uint64_t>;

struct RouteSummary {
  std::string method;
  std::string path;  // the folded pattern
  uint64_t count = 0;
  StatusClasses statuses;
  Latency latency;  // of res.dur_us
};

struct SseSummary {
  uint64_t streams = 0;
  uint64_t events = 0;  // heartbeat comments included: each blank-line-ended block is one event
  Spread events_per_stream;
  Spread duration_s;
};

struct WebSocketSummary {
  uint64_t tunnels = 0;
  uint64_t frames_up = 0, frames_down = 0;  // listed frames
  uint64_t bytes_up = 0, bytes_down = 0;
  uint64_t frames_unlisted = 0;  // past the body limit: counted, not listed (either way)
};

struct RedactionSummary {
  std::string mode;           // the capture header's redaction field
  uint64_t placeholders = 0;  // distinct {{redacted:N}}
  uint64_t occurrences = 0;
  // Where they appear: "header" / "json" / "query" / "form" / "cookie" → field name → count;
  // "other" → "path" or "body" for placeholders outside any named field.
  std::map<std::string, std::map<std::string, uint64_t>> by_place;
};

struct CaptureSummary {
  CaptureHeader header;
  uint64_t exchanges = 0;
  std::vector<RouteSummary> routes;  // most exchanges first, then by method and path
  StatusClasses statuses;
  Latency latency;  // every exchange with a response except SSE and WebSocket streams
  uint64_t sessions = 0;
  Spread exchanges_per_session;
  SseSummary sse;
  WebSocketSummary websocket;
  int64_t first_us = 0;  // the earliest t_us
  int64_t end_us = 0;    // the latest t_us + res.dur_us
  double span_s = 0;
  double rate_per_s = 0;  // exchanges / span_s (0 when the span is 0)
  RedactionSummary redaction;
  uint64_t truncated_bodies = 0;  // request and response bodies kept only in part
  uint64_t without_response = 0;
  bool tail_cut = false;         // the last line was cut off (a crash while recording?)
  uint64_t dropped_records = 0;  // records the recorder reported dropping
};

// Accumulates exchanges one at a time; finish() sorts and computes the figures.
class SummaryBuilder {
 public:
  void add(const Exchange& x);
  CaptureSummary finish(const CaptureHeader& header, bool tail_cut, uint64_t dropped);

 private:
  struct RouteData {
    RouteSummary summary;
    std::vector<int64_t> durations;
  };
  void count_redactions(const Exchange& x);
  void count_in_body(const std::string& body);
  void count(const std::string& place, const std::string& name, std::string_view text);

  CaptureSummary out_;
  std::map<std::pair<std::string, std::string>, RouteData> routes_;
  std::map<std::pair<bool, std::string>, int64_t> per_session_;  // (a page?, its name or the session key)
  std::vector<int64_t> durations_, sse_events_, sse_durations_;
  std::set<uint64_t> placeholders_;
  bool any_ = false;
};

// One pass over the reader's exchanges; throws the reader's InputError on a malformed line.
CaptureSummary summarize(CaptureReader& reader);

}  // namespace reprise::capture
