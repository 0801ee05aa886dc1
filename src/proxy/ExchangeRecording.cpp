#include "proxy/ExchangeRecording.hpp"

#include <algorithm>

namespace reprise::proxy {
namespace {

}  // namespace

void ExchangeRecording::begin(capture::Recorder& recorder, int producer, const std::string& session,
                              std::string_view raw_head, clock::time_point start) {
  recorder_ = &recorder;
  start_ = start;
  sse_.reset();
  up_ = down_ = {};
  exchange_ = recorder.take(producer);
  auto& x = *exchange_;
  x.session = session;
  x.t_us = recorder.since_start(start);
  x.raw_request_head = raw_head;  // parsed again on the writer thread, off the request path
}

int64_t ExchangeRecording::since_start(clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
}

void ExchangeRecording::keep(capture::Body& body, std::string_view piece) {
  body.size += piece.size();
  size_t room = recorder_->body_limit() > body.data.size() ? recorder_->body_limit() - body.data.size() : 0;
  body.data.append(piece.substr(0, std::min(room, piece.size())));
}

void ExchangeRecording::request_body(const std::vector<std::string_view>& pieces) {
  if (!exchange_) return;
  for (auto p : pieces) keep(exchange_->req.body, p);
}

void ExchangeRecording::response_head(const http::MessageHead& response, std::string_view raw_head) {
  if (!exchange_) return;
  auto now = clock::now();
  auto& res = exchange_->res.emplace();
  res.status = response.status;
  exchange_->raw_response_head = raw_head;
  res.ttfb_us = since_start(now);
  if (response.status == 101) {
    exchange_->stream = capture::Stream{"websocket", {}};
  } else if (capture::SseEvents::is_event_stream(response.header("content-type"))) {
    exchange_->stream = capture::Stream{"sse", {}};
    sse_.emplace();
  }
}

void ExchangeRecording::response_body(const std::vector<std::string_view>& pieces) {
  if (!exchange_ || !exchange_->res) return;
  auto now = clock::now();
  for (auto p : pieces) {
    keep(exchange_->res->body, p);
    if (sse_) sse_->feed(p, since_start(now), *exchange_->stream);
  }
}

void ExchangeRecording::tunnel_bytes(char dir, std::string_view data) {
  if (!exchange_ || !exchange_->stream) return;
  (dir == 'u' ? up_ : down_).feed(data, dir, since_start(clock::now()), *exchange_->stream);
}

void ExchangeRecording::FrameScanner::feed(std::string_view data, char dir, int64_t t_us, capture::Stream& stream) {
  while (!data.empty()) {
    if (remaining > 0) {
      size_t skip = static_cast<size_t>(std::min<uint64_t>(remaining, data.size()));
      remaining -= skip;
      data.remove_prefix(skip);
      continue;
    }
    header.push_back(data.front());
    data.remove_prefix(1);
    if (header.size() < 2) continue;
    auto b1 = static_cast<unsigned char>(header[1]);
    size_t len7 = b1 & 0x7f;
    size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
    if (header.size() < need) continue;
    uint64_t length = len7;
    if (len7 >= 126) {
      length = 0;
      for (size_t i = 2; i < 2 + (len7 == 126 ? 2u : 8u); ++i) length = (length << 8) | static_cast<unsigned char>(header[i]);
    }
    stream.events.push_back({t_us, length, dir});
    remaining = length;
    header.clear();
  }
}

void ExchangeRecording::end(int producer) {
  if (!exchange_) return;
  if (exchange_->res) exchange_->res->dur_us = since_start(clock::now());
  recorder_->submit(producer, std::move(exchange_));
}

}  // namespace reprise::proxy
