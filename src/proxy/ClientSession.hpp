// One client connection, one coroutine at a time: read a request head, let the faults that hit
// it act, forward the exchange to the upstream, loop while keep-alive holds. An idle connection
// is parked (the session goes); a stream that waits for its upstream, or a tunnel, is held (the
// coroutines end, the worker keeps the session and runs it again when the wait ends). Failures become short
// plain answers (400, 408, 431, 502, 504, 505), never hangs. The parts it runs each own their
// buffers, parsers and timers and work on the ExchangeState the session shares with them (they
// are its friends): UpstreamRequest sends the request (its body pumped beside the answer), ResponseRelay
// streams the answer back (or a WebSocket tunnel), PacedWriter paces writes, StreamCut cuts
// streams, FaultPoints does what the faults that hit an exchange ask. It must not block, lock or allocate per
// request in the steady state.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "faults/ExchangeFaults.hpp"
#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/Stream.hpp"
#include "net/Watchdog.hpp"
#include "proxy/ExchangeMetrics.hpp"
#include "proxy/ExchangeRecording.hpp"
#include "proxy/FaultPoints.hpp"
#include "proxy/PacedWriter.hpp"
#include "proxy/ResponseRelay.hpp"
#include "proxy/UpstreamRequest.hpp"

namespace reprise::proxy {

class ProxyWorker;

// What the parts of a session share about the exchange under way.
struct ExchangeState {
  explicit ExchangeState(metrics::TagSeries* stats) : metrics(stats) {}

  bool head_request = false;
  bool client_keep_alive = true;
  bool client_http10 = false;
  bool websocket = false;
  bool has_body = false;
  bool request_done = false;      // the whole request body reached the upstream
  bool response_started = false;  // a response head went to the client
  bool close_after = false;       // the client connection ends with this exchange
  bool chunked_out = false;       // the body goes to the client re-chunked
  int error_status = 0;           // the request body failed: the answer to give instead
  std::string error_cause;
  int status = 0;
  uint64_t bytes_out = 0;
  std::string method;
  std::string target;
  std::chrono::steady_clock::time_point start;
  ExchangeRecording rec;     // for --record
  ExchangeRecording mirror;  // for --mirror
  ExchangeMetrics metrics;
  faults::ExchangeFaults faults;  // the faults that hit it
  faults::Duration fault_wait{0};  // what their pauses held it, for the access log

  // The copies of the exchange (the recorder's, the mirror's) take its parts as they pass.
  void copy_request_body(const std::vector<std::string_view>& pieces) {
    rec.request_body(pieces);
    mirror.request_body(pieces);
  }
  void copy_response_head(const http::MessageHead& head, std::string_view raw) {
    rec.response_head(head, raw);
    mirror.response_head(head, raw);
  }
  void copy_response_body(const std::vector<std::string_view>& pieces) {
    rec.response_body(pieces);
    mirror.response_body(pieces);
  }
  void end_copies() {
    rec.end();
    mirror.end();
  }
};

// A keep-alive client connection idle past ClientSession::kParkAfter: its session is gone and
// the worker holds only this while it waits for the next request or its idle timeout, so a
// connection at rest costs its socket and TLS state, not a session with its parts and frames.
struct ParkedConnection {
  net::Stream stream;
  std::string client_ip;
  std::string session_name;
  std::chrono::steady_clock::time_point deadline;  // the idle timeout
  bool ending = false;                              // closed, its wait still to end
};

class ClientSession {
 public:
  static constexpr std::chrono::seconds kParkAfter{1};
  // A client's next request within this of the start of its last exchange goes over that
  // exchange's upstream connection, unpeeked; past it the connection goes back to the pool.
  static constexpr std::chrono::milliseconds kKeepUpstream{100};

  // `client` is plain, or TLS with its handshake still to come.
  ClientSession(ProxyWorker& worker, net::Stream client);
  // A parked connection whose next request is there to read.
  ClientSession(ProxyWorker& worker, ParkedConnection&& parked);
  ~ClientSession();

  // Returns once the connection is closed or, idle past kParkAfter, handed to the worker to park,
  // or once a stream waits for its upstream or a tunnel runs (parked() == held): the worker then
  // holds the session, waits (wait_held()) and, told how the wait ended (woken()), runs it again.
  boost::asio::awaitable<void> run();
  enum class Parked { no, idle, held };
  Parked parked() const { return parked_; }
  // Waits for a held stream's upstream to be readable, or a held tunnel to be over.
  template <typename Handler>
  void wait_held(Handler&& handler) {
    if (auto* tunnel = relay_.tunnel())
      tunnel->done.async_wait(std::forward<Handler>(handler));
    else
      up_->stream.socket().async_wait(boost::asio::ip::tcp::socket::wait_read, std::forward<Handler>(handler));
  }
  void woken(const boost::system::error_code& ec) { relay_.woken(ec); }
  // Drain: an idle keep-alive connection is closed now, a busy one after its exchange.
  void close_if_idle();
  // The worker's sweep: gives back the upstream connection kept past kKeepUpstream; whether one
  // is still kept.
  bool sweep_kept(std::chrono::steady_clock::time_point now);

 private:
  friend class UpstreamRequest;
  friend class ResponseRelay;
  friend class FaultPoints;

  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<bool> read_request_head(size_t& head_len);
  bool refuse_request(size_t head_len, int& status, const char*& cause);
  boost::asio::awaitable<bool> forward(size_t head_len);
  boost::asio::awaitable<void> refuse_unreachable(const net::UpstreamPool::Result& got);
  net::UpstreamPool::Result take_upstream();
  void give_back_upstream();
  void start_exchange(size_t head_len);
  boost::asio::awaitable<void> reply_error(int status, std::string_view cause);
  void reset_client();  // an RST, not a FIN: the client cannot take what it got for a whole answer
  bool closing() const;
  void log_exchange();

  // The address a record names: none when the socket could not tell it.
  std::string_view recorded_client() const {
    return client_ip_ == kUnknownClient ? std::string_view{} : std::string_view(client_ip_);
  }

  static constexpr std::string_view kUnknownClient = "unknown";  // in logs and X-Forwarded-For
  ProxyWorker& worker_;
  net::Stream client_;
  net::Watchdog client_dog_;
  std::string client_ip_;
  net::ByteBuffer in_;
  http::MessageParser request_{http::MessageParser::Type::request};
  std::string session_name_;  // for the capture, when recording
  ExchangeState x_;
  PacedWriter to_client_;
  FaultPoints fault_points_;
  UpstreamRequest upstream_;
  ResponseRelay relay_;
  std::optional<net::UpstreamConnection> up_;  // the exchange's upstream connection
  std::optional<net::Stream> kept_;            // the last exchange's, while kKeepUpstream lasts
  std::chrono::steady_clock::time_point kept_at_;
  bool idle_ = true;
  bool closing_ = false;
  bool handshaken_ = false;  // a TLS connection's handshake is done (a parked one's was)
  Parked parked_ = Parked::no;
};

}  // namespace reprise::proxy
