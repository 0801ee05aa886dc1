// What the proxy measures of one exchange while it runs: when the request head was complete,
// when the request was written upstream, the first byte and the end of the upstream's answer,
// bytes both ways, the outcome; at the end it is counted into the worker's metrics::TagSeries under its
// (name, method, status). An event stream counts as open (sse_connections) from its head to its
// end and its events (those a browser dispatches) are counted as they pass. Off (one null check per call)
// when the proxy measures nothing (no --admin, no --sla).
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "http/EventStream.hpp"
#include "metrics/TagSeries.hpp"

namespace reprise::proxy {

class ExchangeMetrics {
 public:
  using clock = std::chrono::steady_clock;

  explicit ExchangeMetrics(metrics::TagSeries* stats) : stats_(stats) {}
  bool active() const { return stats_ != nullptr; }

  void begin(std::string_view method, std::string_view target, clock::time_point start, size_t head_bytes);
  void request_bytes(size_t n) {
    if (stats_) received_ += n;
  }
  void request_written() {  // the last call before the answer counts
    if (stats_) sent_ = clock::now();
  }
  void first_byte() {
    if (stats_ && first_byte_ == clock::time_point()) first_byte_ = clock::now();
  }
  // The upstream's final response head, relayed to the client.
  void response_head(int status, std::string_view content_type);
  // The status line that goes to the client: the upstream's, or the proxy's own error answer.
  void answered(int status) {
    if (status_ == 0) status_ = status;
  }
  void tunnel_started() { stream_ = stats_ != nullptr; }
  void response_body(const std::vector<std::string_view>& pieces);
  void response_bytes(size_t n) {
    if (stats_) sent_bytes_ += n;
  }
  void upstream_done() {
    if (stats_) upstream_done_ = clock::now();
  }
  // Tunnelled bytes; dir 'u' client to upstream, 'd' upstream to client.
  void tunnel_bytes(char dir, size_t n) {
    if (stats_) (dir == 'u' ? received_ : sent_bytes_) += n;
  }
  // No connection to the upstream: refused or unreachable (502), or the connect timed out (504).
  void connect_failed(bool timed_out) { (timed_out ? timed_out_ : connect_failed_) = true; }
  void tls_failed() { tls_failed_ = true; }
  void timed_out() { timed_out_ = true; }
  // Counts the exchange under the status answered (0: no answer went to the client).
  void end();

 private:
  metrics::TagSeries* stats_;
  std::string_view method_;  // the session's copy, alive until end()
  size_t name_ = 0;
  clock::time_point start_, sent_, first_byte_, upstream_done_;
  uint64_t received_ = 0, sent_bytes_ = 0;
  int status_ = 0;                              // what the client got; 0: nothing
  int upstream_status_ = 0;                     // 0: the upstream gave no final head
  metrics::TagFigures* open_stream_ = nullptr;  // an event stream counted as open
  bool stream_ = false;                         // an event stream or a tunnel: its length is no latency
  bool connect_failed_ = false, timed_out_ = false, tls_failed_ = false;
  http::EventStreamScanner events_;  // the stream's, counting the events a browser dispatches
};

}  // namespace reprise::proxy
