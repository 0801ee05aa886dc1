// One client connection, one coroutine: read a request head, forward the exchange to the
// upstream, stream the answer back, loop while keep-alive holds. Failures become short plain
// answers (400, 408, 431, 502, 504), never hangs. Websocket upgrades become a raw tunnel.
// It must not block, lock or allocate per request in the steady state.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "faults/Fault.hpp"
#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"
#include "proxy/ExchangeMetrics.hpp"
#include "proxy/ExchangeRecording.hpp"

namespace reprise::proxy {

class ProxyWorker;

class ClientSession {
 public:
  ClientSession(ProxyWorker& worker, boost::asio::ip::tcp::socket socket);
  ~ClientSession();

  boost::asio::awaitable<void> run();
  // Drain: an idle keep-alive connection is closed now, a busy one after its exchange.
  void close_if_idle();

 private:
  // What outlives the request head once the read buffer moves on.
  struct Exchange {
    bool head_request = false;
    bool client_keep_alive = true;
    bool client_http10 = false;
    bool websocket = false;
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
  };
  enum class Outcome { done, retryable, failed, body_next };
  enum class HeadResult { ok, closed, timed_out, malformed };
  enum class Read { data, eof, nothing_yet, failed };

  boost::asio::awaitable<bool> read_request_head(size_t& head_len);
  boost::asio::awaitable<bool> forward(size_t head_len);
  boost::asio::awaitable<Outcome> attempt(net::UpstreamConnection& up, bool body_pending);
  boost::asio::awaitable<void> pump_request_body(net::UpstreamConnection& up, bool chunked);
  boost::asio::awaitable<Outcome> relay_beside_pump(net::UpstreamConnection& up, bool chunked);
  boost::asio::awaitable<void> relay_then_stop_pump(net::UpstreamConnection& up);
  boost::asio::awaitable<Outcome> relay_response(net::UpstreamConnection& up);
  boost::asio::awaitable<Outcome> relay_head(net::UpstreamConnection& up);
  boost::asio::awaitable<HeadResult> read_response_head(net::UpstreamConnection& up, size_t& head_len);
  boost::asio::awaitable<bool> relay_body(net::UpstreamConnection& up);
  Read read_upstream(net::UpstreamConnection& up);
  void watch_client(boost::asio::ip::tcp::socket& upstream);
  void stop_watching_client();
  void shed_memory();
  boost::asio::awaitable<void> tunnel(net::UpstreamConnection& up);
  boost::asio::awaitable<void> reply_error(int status, std::string_view cause);
  static void add_pieces(std::vector<boost::asio::const_buffer>& out,
                         std::vector<std::array<char, 20>>& sizes,
                         const std::vector<std::string_view>& pieces, bool chunked);
  void log_exchange();

  // Where faults act (ClientSessionFaults.cpp).
  enum class FaultStep { go_on, answered, closed };
  boost::asio::awaitable<FaultStep> act_before_upstream(bool has_body);
  boost::asio::awaitable<FaultStep> answer_abort(bool has_body);
  boost::asio::awaitable<void> hold_unless_client_leaves(faults::Duration d);
  boost::asio::awaitable<void> pause(faults::Duration d, boost::asio::steady_timer& timer);
  // Writes `buffers` whole, in pieces with pauses when `pacing` says so (bandwidth, slice).
  boost::asio::awaitable<std::pair<boost::system::error_code, size_t>> write_paced(
      boost::asio::ip::tcp::socket& to, const std::vector<boost::asio::const_buffer>& buffers,
      const faults::Pacing& pacing, boost::asio::steady_timer& timer);
  // sse_drop: the response's pieces up to the end of the event that reaches the count, in
  // `stream_pieces_`; true when the stream is to be cut after them.
  bool cut_events();
  bool stream_cut_due() const;

  ProxyWorker& worker_;
  boost::asio::ip::tcp::socket client_;
  net::Watchdog client_dog_;
  net::Watchdog up_dog_;  // pointed at whichever upstream connection the exchange uses
  std::string client_ip_;
  net::ByteBuffer in_;
  net::ByteBuffer up_in_;
  http::MessageParser request_{http::MessageParser::Type::request};
  http::MessageParser response_{http::MessageParser::Type::response};
  std::string request_head_;
  std::string response_head_;
  std::vector<boost::asio::const_buffer> out_;     // to the client
  std::vector<boost::asio::const_buffer> up_out_;  // to the upstream (the body pump runs beside the relay)
  std::vector<std::array<char, 20>> sizes_;
  std::vector<std::array<char, 20>> up_sizes_;
  Exchange x_;
  ExchangeRecording rec_;
  ExchangeMetrics metrics_;
  std::string session_name_;  // for the capture, when recording
  Outcome relay_outcome_ = Outcome::failed;
  struct ClientWatch {
    boost::asio::ip::tcp::socket* upstream = nullptr;  // null once the relay is over
    bool client_gone = false;
  };
  std::shared_ptr<ClientWatch> watch_;
  faults::Effects effects_;  // what the faults that hit this exchange ask of it
  boost::asio::steady_timer fault_timer_;
  boost::asio::steady_timer pump_timer_;  // the request body's pacing, beside the relay's
  std::vector<std::string_view> stream_pieces_;
  uint64_t events_seen_ = 0;
  bool after_newline_ = false;
  bool cutting_stream_ = false;  // an event stream a sse_drop fault cuts
  std::chrono::steady_clock::time_point stream_cut_at_ = std::chrono::steady_clock::time_point::max();
  size_t read_size_ = 0;  // upstream body reads start small and grow while the body keeps coming
  bool idle_ = true;
  bool closing_ = false;
};

}  // namespace reprise::proxy
