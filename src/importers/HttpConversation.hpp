// Turns the two byte streams of one TCP connection into capture exchanges, with the same llhttp
// glue the proxy uses: requests one after another (keep-alive, pipelining) matched in order to
// the responses, Content-Length, chunked and close-delimited bodies, bodiless answers to HEAD
// and 204/304, 1xx interim answers skipped, SSE responses split into timed events. Times are
// the packet times of the bytes (microseconds from the capture's start). It knows nothing of
// packets or TCP: the reassembly hands it ordered bytes and tells it when a side closed.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "capture/Exchange.hpp"
#include "capture/SseEvents.hpp"
#include "http/MessageParser.hpp"

namespace reprise::importers {

class HttpConversation {
 public:
  using Sink = std::function<void(capture::Exchange&&)>;

  struct Counts {
    uint64_t exchanges = 0;   // handed to the sink
    uint64_t unanswered = 0;  // of those, requests that got no response before the connection ended
    uint64_t unfinished = 0;  // of those, responses (or request bodies) cut off by the end
    uint64_t dropped = 0;     // exchanges lost to missing bytes or malformed messages
  };

  // `session` names the connection in the capture, `client` is the client's IP address; bodies
  // are kept up to `body_limit` bytes.
  HttpConversation(std::string session, std::string client, uint64_t body_limit, Sink sink);
  HttpConversation(const HttpConversation&) = delete;
  HttpConversation& operator=(const HttpConversation&) = delete;

  void client_bytes(std::string_view data, int64_t t_us);
  void server_bytes(std::string_view data, int64_t t_us);
  void server_closed(int64_t t_us);
  // Bytes of the connection are missing: what is in flight cannot be parsed and is dropped.
  void bytes_lost();
  // The connection is over: exchanges still open are handed out as far as they went.
  void end(int64_t t_us);

  // False when the first bytes the client sent were not an HTTP request.
  bool is_http() const { return !not_http_; }
  // The client's first bytes began a TLS handshake: encrypted, no HTTP to be read.
  bool is_tls() const { return tls_; }
  bool saw_request() const { return requests_ > 0; }
  // Why parsing stopped early, or null.
  const char* problem() const { return problem_; }
  const Counts& counts() const { return counts_; }

 private:
  bool tls_ = false;
  bool first_bytes_ = true;
  struct Reader {
    explicit Reader(http::MessageParser::Type type) : parser(type) {}
    http::MessageParser parser;
    std::string buffer;  // bytes not consumed yet (a head still coming)
    size_t scanned = 0;
    bool in_body = false;
    bool stopped = false;   // parsing this side gave up
    int64_t start_us = -1;  // when the current message's first byte came
  };

  struct Pending {
    capture::Exchange x;
    bool request_done = false;
    bool response_done = false;
    bool upgrade = false;  // the request asks to switch protocols (Upgrade or CONNECT)
    capture::SseEvents sse;
  };

  void consume(Reader& r, std::string_view data, int64_t t_us);
  bool request_step(std::string_view in, size_t& used, int64_t t_us);
  bool response_step(std::string_view in, size_t& used, int64_t t_us);
  bool start_response(std::string_view in, size_t& used, int64_t t_us);
  void response_pieces(Pending& p, int64_t t_us);
  void complete_response(Pending& p, int64_t t_us);
  Pending* responding();
  void keep(capture::Body& body, std::string_view piece) const;
  void emit_ready();
  void emit(Pending& p, int64_t t_us);
  // Stops parsing `r` (and everything, when the server side or the first request fails); false.
  bool fail(Reader& r, const char* why);

  std::string session_;
  std::string client_ip_;
  uint64_t body_limit_;
  Sink sink_;
  Reader client_{http::MessageParser::Type::request};
  Reader server_{http::MessageParser::Type::response};
  std::deque<Pending> pending_;
  uint64_t requests_ = 0;
  bool not_http_ = false;
  bool upgraded_ = false;       // after a 101 (or CONNECT's 2xx) the bytes are not HTTP any more
  bool client_paused_ = false;  // an upgrade request waits for its answer before more requests are read
  const char* problem_ = nullptr;
  Counts counts_;
};

}  // namespace reprise::importers
