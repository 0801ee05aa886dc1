// What is measured of the requests that share one set of k6 tags (name, method, status), the
// one figures type of the proxy and the replayer: counters and latency histograms, in k6's
// names, added up across threads, shard processes and tags with add(), and an interval taken
// between two copies with since(). Some figures only the proxy keeps per tag (the upstream's
// failures, bytes and event streams); the replayer leaves them at zero and keeps its run-wide
// figures in ReplayStats. It must not know who counts (ExchangeMetrics, Vu), how a request is
// tagged (RouteTags) nor how figures are shown (PrometheusText, the summary).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "metrics/Histogram.hpp"

namespace reprise::metrics {

// The tags of one set of requests. `status` is 0 for a request that got no answer.
struct TagKey {
  std::string name;
  std::string method;
  int status = 0;
  auto operator<=>(const TagKey&) const = default;

  // True when the key has every tag a threshold filters on ({name:..., method:..., status:...});
  // the method is compared without case.
  bool matches(const std::map<std::string, std::string>& filter) const;
};

// Counted when an exchange ends, except sse_open (streams open now) and sse_events, which
// change while a stream runs. Latencies in microseconds.
struct TagFigures {
  uint64_t http_reqs = 0;
  uint64_t http_req_failed = 0;          // a status that counts as failed, or no answer
  uint64_t upstream_5xx = 0;             // proxy: 5xx answers the upstream itself sent
  uint64_t upstream_connect_errors = 0;  // proxy: its 502s, the upstream refused or was unreachable
  uint64_t upstream_tls_errors = 0;      // proxy: its 502s, the TLS handshake with the upstream failed
  uint64_t proxy_timeouts = 0;           // proxy: its 504s, and answers cut after --response-timeout
  uint64_t data_sent = 0;                // proxy: bytes written to the client
  uint64_t data_received = 0;            // proxy: bytes read from the client
  uint64_t sse_events = 0;               // proxy: events passed on
  int64_t sse_open = 0;                  // proxy: event streams open now (a gauge)
  Histogram http_req_duration;           // the request's start → the last byte of its answer
  Histogram http_req_waiting;            // the request's start → the first byte of its answer
  Histogram upstream_duration;           // proxy: written upstream → the upstream's answer complete

  void add(const TagFigures& other);
  // What happened after `earlier` (an older copy): counters and histograms subtracted; the
  // sse_open gauge is this copy's.
  TagFigures since(const TagFigures& earlier) const;
};

// Every tag set's figures (a copy, for output and judging: not on the request path).
using FiguresByTag = std::map<TagKey, TagFigures>;
void add_figures(FiguresByTag& into, const FiguresByTag& from);

}  // namespace reprise::metrics
