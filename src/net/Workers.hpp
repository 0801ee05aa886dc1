// Thread per core: one io_context per thread, each driven by its own thread, so that nothing
// on the request path is shared between threads. Listeners bind with SO_REUSEPORT, one per
// worker, and the kernel spreads connections across them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace reprise::net {

class Workers {
 public:
  explicit Workers(int threads);  // 0 means one per core

  int size() const { return static_cast<int>(contexts_.size()); }
  static int default_threads();  // one per core
  boost::asio::io_context& context(int i) { return *contexts_[static_cast<size_t>(i)]; }

  // Runs every io_context on its own thread and returns when all have run out of work.
  void run();
  void stop();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
};

// An acceptor bound with SO_REUSEPORT; throws RuntimeFailure when it cannot bind.
boost::asio::ip::tcp::acceptor make_listener(boost::asio::io_context& ctx, const boost::asio::ip::tcp::endpoint& ep);

}  // namespace reprise::net
