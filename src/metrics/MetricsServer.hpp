// A small HTTP/1.1 endpoint for `/metrics`, on a thread of its own: GET /metrics answers the
// text `body()` gives at that moment (Prometheus's content type), anything else 404; one request
// per connection. For the replayer's `--metrics ADDR` (and the proxy's admin address later).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <thread>

namespace reprise::metrics {

class MetricsServer {
 public:
  // Binds now (throws RuntimeFailure when it cannot), serves until destroyed.
  MetricsServer(const boost::asio::ip::tcp::endpoint& listen, std::function<std::string()> body);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const;

 private:
  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::function<std::string()> body_;
  std::thread thread_;
};

}  // namespace reprise::metrics
