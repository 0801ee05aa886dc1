// What the proxy keeps of one exchange while it runs, for the recorder: copies of both heads,
// the bodies up to the body limit, the time to the first response byte, and for streams the
// time and size of every SSE event or WebSocket frame. Off (one null check) when not recording.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"
#include "capture/Recorder.hpp"
#include "capture/SseEvents.hpp"
#include "capture/WebSocketFrames.hpp"
#include "http/MessageHead.hpp"

namespace reprise::proxy {

class ExchangeRecording {
 public:
  using clock = std::chrono::steady_clock;

  bool active() const { return exchange_ != nullptr; }

  // `raw_head`: the request head's bytes as received (the recorder parses them later).
  void begin(capture::Recorder& recorder, int producer, const std::string& session, std::string_view raw_head,
             clock::time_point start);
  void request_body(const std::vector<std::string_view>& pieces);
  void response_head(const http::MessageHead& response, std::string_view raw_head);
  void response_body(const std::vector<std::string_view>& pieces);
  // Tunnelled bytes; dir 'u' client to upstream, 'd' upstream to client.
  void tunnel_bytes(char dir, std::string_view data);
  // Hands the record to the recorder (producer = the worker's index).
  void end(int producer);

 private:
  void keep(capture::Body& body, std::string_view piece);
  int64_t since_start(clock::time_point t) const;

  capture::Recorder* recorder_ = nullptr;
  std::unique_ptr<capture::Exchange> exchange_;
  clock::time_point start_;
  std::optional<capture::SseEvents> sse_;  // set for an event-stream response
  capture::WebSocketFrames up_, down_;
};

}  // namespace reprise::proxy
