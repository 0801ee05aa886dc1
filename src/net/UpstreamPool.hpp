// Keep-alive connections to one upstream, per worker thread (so no lock): idle connections wait
// in a stack, newest first. Before reuse a connection is peeked: one the upstream closed, or one
// with bytes nobody asked for (a desynchronised upstream, or under TLS a close_notify), is thrown
// away, never handed to the next client. Connecting (and the TLS handshake, for an https://
// upstream) races a timer. A TLS connection resumes the last session it was given. It knows
// nothing of HTTP. (A proxy session keeps its last connection for its client's next request a
// little while before releasing it here: ClientSession::take_upstream.)
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/Stream.hpp"
#include "net/Tls.hpp"

namespace reprise::net {

using boost::asio::ip::tcp;

struct UpstreamConnection {
  Stream stream;
  bool reused = false;
};

class UpstreamPool {
 public:
  // `tls`: the upstream speaks https (null: plain TCP).
  UpstreamPool(boost::asio::any_io_executor executor, tcp::endpoint endpoint, size_t max_idle,
               std::chrono::microseconds connect_timeout, const ClientTlsSettings* tls = nullptr);

  // A connection, or on failure `error` says why, `timed_out` whether the connect timer won, and
  // `tls_failure` (not empty when the TCP connection stood but its handshake failed) why TLS did.
  struct Result {
    std::optional<UpstreamConnection> connection;
    boost::system::error_code error;
    bool timed_out = false;
    std::string tls_failure;
  };
  // A pooled connection that is still alive, else none (no error): then connect(). Not a
  // coroutine, so a reused connection costs its caller no frame.
  Result take_idle();
  boost::asio::awaitable<Result> connect();
  void release(Stream stream);
  void clear() { idle_.clear(); }
  bool keeps_idle() const { return max_idle_ > 0; }  // --pool-size 0: no connection is reused
  const tcp::endpoint& endpoint() const { return endpoint_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }
  bool tls() const { return tls_ != nullptr; }

 private:
  static bool still_open(Stream& s);

  boost::asio::any_io_executor executor_;
  tcp::endpoint endpoint_;
  size_t max_idle_;
  std::chrono::microseconds connect_timeout_;
  std::unique_ptr<ClientTls> tls_;
  std::vector<Stream> idle_;
};

}  // namespace reprise::net
