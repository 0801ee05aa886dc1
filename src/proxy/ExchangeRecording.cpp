#include "proxy/ExchangeRecording.hpp"

#include <algorithm>

namespace reprise::proxy {

void ExchangeRecording::begin(capture::ExchangeSink& sink, int producer, const std::string& session,
                              std::string_view client, const http::MessageHead& head,
                              std::string_view raw_head, clock::time_point start) {
  sink_ = &sink;
  producer_ = producer;
  start_ = start;
  readers_.reset();
  exchange_ = sink.take(producer);
  auto& x = *exchange_;
  x.session = session;
  x.client = client;
  x.t_us = sink.since_start(start);
  capture::set_request_line(x.req, head);
  x.raw_request_head.assign(raw_head, head);  // its headers are copied out on the writer thread
}

int64_t ExchangeRecording::since_start(clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
}

void ExchangeRecording::keep(capture::Body& body, std::string_view piece, uint64_t limit) {
  body.size += piece.size();
  size_t room = limit > body.data.size() ? limit - body.data.size() : 0;
  body.data.append(piece.substr(0, std::min(room, piece.size())));
}

void ExchangeRecording::request_body(const std::vector<std::string_view>& pieces) {
  if (!exchange_) return;
  for (auto p : pieces) keep(exchange_->req.body, p, sink_->request_body_limit());
}

void ExchangeRecording::response_head(const http::MessageHead& response, std::string_view raw_head) {
  if (!exchange_) return;
  auto now = clock::now();
  auto& res = capture::emplace_response(*exchange_);
  res.status = response.status;
  exchange_->raw_response_head.assign(raw_head, response);
  res.ttfb_us = since_start(now);
  const auto content_type = response.header("content-type");
  keep_response_body_ = sink_->keeps_response_body(content_type);
  if (response.status == 101) {
    exchange_->stream = capture::Stream{"websocket", {}, 0, sink_->response_body_limit()};
    readers_ = std::make_unique<StreamReaders>();
  } else if (http::is_event_stream(content_type)) {
    exchange_->stream = capture::Stream{"sse", {}, 0, sink_->response_body_limit()};
    readers_ = std::make_unique<StreamReaders>();
    sink_->stream_started(producer_, *exchange_);
  }
}

void ExchangeRecording::response_body(const std::vector<std::string_view>& pieces) {
  if (!exchange_ || !exchange_->res) return;
  auto now = clock::now();
  for (auto p : pieces) {
    if (keep_response_body_)
      keep(exchange_->res->body, p, sink_->response_body_limit());
    else
      exchange_->res->body.size += p.size();
    if (readers_) readers_->sse.feed(p, since_start(now), *exchange_->stream);
  }
}

void ExchangeRecording::tunnel_bytes(char dir, std::string_view data) {
  if (!exchange_ || !exchange_->stream) return;
  (dir == 'u' ? readers_->up : readers_->down).feed(data, dir, since_start(clock::now()), *exchange_->stream);
}

void ExchangeRecording::end() {
  if (!exchange_) return;
  if (exchange_->res) exchange_->res->dur_us = since_start(clock::now());
  sink_->submit(producer_, std::move(exchange_));
}

}  // namespace reprise::proxy
