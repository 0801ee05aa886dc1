#include "proxy/ExchangeMetrics.hpp"

#include "http/EventStream.hpp"

namespace reprise::proxy {
namespace {

uint64_t micros(std::chrono::steady_clock::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us < 0 ? 0 : static_cast<uint64_t>(us);
}

}  // namespace

void ExchangeMetrics::begin(std::string_view method, std::string_view target, clock::time_point start,
                            size_t head_bytes) {
  if (!stats_) return;
  method_ = method;
  name_ = stats_->name_of(method, target);
  start_ = start;
  sent_ = first_byte_ = upstream_done_ = clock::time_point();
  received_ = head_bytes;
  sent_bytes_ = 0;
  status_ = upstream_status_ = 0;
  open_stream_ = nullptr;
  stream_ = connect_failed_ = timed_out_ = tls_failed_ = false;
  events_ = http::EventStreamScanner();
}

void ExchangeMetrics::response_head(int status, std::string_view content_type) {
  if (!stats_) return;
  upstream_status_ = status;
  answered(status);
  if (!http::is_event_stream(content_type)) return;
  stream_ = true;
  open_stream_ = &stats_->series(name_, method_, status);
  ++open_stream_->sse_open;
}

void ExchangeMetrics::response_body(const std::vector<std::string_view>& pieces) {
  if (!open_stream_) return;
  const uint64_t before = events_.events();
  for (auto p : pieces) events_.feed(p);
  open_stream_->sse_events += events_.events() - before;
}

void ExchangeMetrics::end() {
  if (!stats_) return;
  const auto now = clock::now();
  metrics::TagFigures& f = open_stream_ ? *open_stream_ : stats_->series(name_, method_, status_);
  if (open_stream_) --open_stream_->sse_open;
  ++f.http_reqs;
  if (status_ >= 400 || status_ == 0) ++f.http_req_failed;
  if (upstream_status_ >= 500) ++f.upstream_5xx;
  if (connect_failed_) ++f.upstream_connect_errors;
  if (tls_failed_) ++f.upstream_tls_errors;
  if (timed_out_) ++f.proxy_timeouts;
  f.data_sent += sent_bytes_;
  f.data_received += received_;
  const clock::time_point never{};
  if (upstream_status_ && first_byte_ != never) f.http_req_waiting.record(micros(first_byte_ - start_));
  if (!stream_) {
    f.http_req_duration.record(micros(now - start_));
    if (upstream_status_ && sent_ != never && upstream_done_ != never)
      f.upstream_duration.record(micros(upstream_done_ - sent_));
  }
  open_stream_ = nullptr;
}

}  // namespace reprise::proxy
