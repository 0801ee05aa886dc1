// Keep-alive connections to one upstream, per worker thread (so no lock): idle sockets wait in
// a stack, newest first. Before reuse a socket is peeked: one the upstream closed, or one with
// bytes nobody asked for (a desynchronised upstream), is thrown away, never handed to the next
// client. Connecting races a timer. It knows nothing of HTTP.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <vector>

namespace reprise::net {

using boost::asio::ip::tcp;

struct UpstreamConnection {
  tcp::socket socket;
  bool reused = false;
};

class UpstreamPool {
 public:
  UpstreamPool(boost::asio::any_io_executor executor, tcp::endpoint endpoint, size_t max_idle,
               std::chrono::microseconds connect_timeout);

  // A pooled connection when one is alive, else a new one. On failure `error` says why and
  // `timed_out` whether the connect timer won.
  struct Result {
    std::optional<UpstreamConnection> connection;
    boost::system::error_code error;
    bool timed_out = false;
  };
  boost::asio::awaitable<Result> acquire();
  Result take_idle();
  boost::asio::awaitable<Result> connect();
  void release(tcp::socket socket);
  void clear() { idle_.clear(); }
  const tcp::endpoint& endpoint() const { return endpoint_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }

 private:
  static bool still_open(tcp::socket& s);

  boost::asio::any_io_executor executor_;
  tcp::endpoint endpoint_;
  size_t max_idle_;
  std::chrono::microseconds connect_timeout_;
  std::vector<tcp::socket> idle_;
};

}  // namespace reprise::net
