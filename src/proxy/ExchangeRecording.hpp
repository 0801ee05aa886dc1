// What the proxy keeps of one exchange while it runs, for a sink (the recorder, the mirror):
// copies of both heads, the bodies up to the sink's limits, the time to the first response
// byte, and for streams the time and size of every SSE event or WebSocket frame. Off (one null
// check) when the exchange goes to no sink.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"
#include "capture/ExchangeSink.hpp"
#include "capture/SseEvents.hpp"
#include "capture/WebSocketFrames.hpp"
#include "http/MessageHead.hpp"

namespace reprise::proxy {

class ExchangeRecording {
 public:
  using clock = std::chrono::steady_clock;

  bool active() const { return exchange_ != nullptr; }

  // `head`, `raw_head`: the request head parsed, and its bytes as received (the sink makes its
  // header list later, off the request path); `producer`: the worker's index; `client`: the
  // client's address, formatted once per connection ("" when unknown), copied into a reused
  // record (no allocation once its string has grown).
  void begin(capture::ExchangeSink& sink, int producer, const std::string& session, std::string_view client,
             const http::MessageHead& head, std::string_view raw_head, clock::time_point start);
  void request_body(const std::vector<std::string_view>& pieces);
  void response_head(const http::MessageHead& response, std::string_view raw_head);
  void response_body(const std::vector<std::string_view>& pieces);
  // Tunnelled bytes; dir 'u' client to upstream, 'd' upstream to client.
  void tunnel_bytes(char dir, std::string_view data);
  // Hands the record to the sink.
  void end();

 private:
  static void keep(capture::Body& body, std::string_view piece, uint64_t limit);
  int64_t since_start(clock::time_point t) const;

  capture::ExchangeSink* sink_ = nullptr;
  int producer_ = 0;
  std::unique_ptr<capture::Exchange> exchange_;
  clock::time_point start_;
  bool keep_response_body_ = true;
  // A stream's event or frame reader, made when a recorded answer turns out a stream.
  struct StreamReaders {
    capture::SseEvents sse;
    capture::WebSocketFrames up, down;
  };
  std::unique_ptr<StreamReaders> readers_;
};

}  // namespace reprise::proxy
