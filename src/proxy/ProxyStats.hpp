// What the proxy measures, in k6's names, kept per (name, method, status) combination: one
// worker thread's figures in ProxyStats (no lock, no atomic; found by a short scan of the few
// combinations, each made on first use with its three histograms), and copies of them added up
// across threads in ProxyFigures, which the window, /metrics and /sla read. It must not know how
// an exchange is run (ExchangeMetrics feeds it) nor how figures are shown.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/Histogram.hpp"
#include "proxy/RouteNames.hpp"

namespace reprise::proxy {

// The tags of one combination. `status` is 0 for a request that got no answer.
struct SeriesKey {
  std::string name;
  std::string method;
  int status = 0;
  auto operator<=>(const SeriesKey&) const = default;
};

// Everything measured of the exchanges of one combination. Counted when an exchange ends, except
// sse_open (streams open now) and sse_events, which change while a stream runs. Microseconds.
struct SeriesFigures {
  uint64_t http_reqs = 0;
  uint64_t http_req_failed = 0;          // status >= 400 or no answer (k6's default)
  uint64_t upstream_5xx = 0;             // 5xx answers the upstream itself sent
  uint64_t upstream_connect_errors = 0;  // the proxy's 502: the upstream refused or was unreachable
  uint64_t proxy_timeouts = 0;           // the proxy's 504s, and answers it cut after --response-timeout
  uint64_t data_sent = 0;                // bytes written to the client
  uint64_t data_received = 0;            // bytes read from the client
  uint64_t sse_events = 0;
  int64_t sse_open = 0;
  metrics::Histogram http_req_duration;  // request head complete → last byte written to the client
  metrics::Histogram http_req_waiting;   // request head complete → first byte of the upstream's answer
  metrics::Histogram upstream_duration;  // request written upstream → the upstream's answer complete

  void add(const SeriesFigures& other);
  // What happened after `earlier` (an older copy): counters and histograms subtracted; the
  // sse_open gauge is this copy's.
  SeriesFigures since(const SeriesFigures& earlier) const;
};

// Every combination's figures, added up over threads (a copy: not on the request path).
using ProxyFigures = std::map<SeriesKey, SeriesFigures>;
void add_figures(ProxyFigures& into, const ProxyFigures& from);

class ProxyStats {
 public:
  explicit ProxyStats(const std::map<std::string, std::string>& routes) : names_(routes) {}

  // The request's name tag, as an index (kept by the session until its exchange ends).
  size_t name_of(std::string_view method, std::string_view target) { return names_.index_of(method, target); }
  // The figures of a combination, made on first use; the reference stays valid.
  SeriesFigures& series(size_t name, std::string_view method, int status);
  ProxyFigures copy() const;

 private:
  struct Series {
    size_t name;
    std::string method;
    int status;
    std::unique_ptr<SeriesFigures> figures;
  };
  RouteNames names_;
  std::vector<Series> series_;
  size_t last_ = 0;  // the combination found last: the next request is often the same
};

}  // namespace reprise::proxy
