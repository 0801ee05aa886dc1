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
  // 0 threads means one per core. With `io_uring`, each worker reads and writes plain TCP through
  // an io_uring of its own (net/Ring.hpp) where the kernel allows it, else through epoll.
  explicit Workers(int threads, bool io_uring = true);

  int size() const { return static_cast<int>(contexts_.size()); }
  static int default_threads();  // one per core
  boost::asio::io_context& context(int i) { return *contexts_[static_cast<size_t>(i)]; }

  // Runs every io_context on its own thread and returns when all have run out of work.
  void run();
  void stop();
  // After run() returned: destroys the handlers still queued, among them the frames of the
  // coroutines stop() cut, now rather than with the io_contexts. Their owner calls it while what
  // those frames point at still lives; the io_contexts run nothing more, and the sockets and
  // timers still bound to them are destroyed as usual.
  void shutdown();

 private:
  void run_here(boost::asio::io_context& ctx);
  // An io_context whose queued handlers can be destroyed before it is (the first step of its
  // destructor, execution_context::shutdown, made callable).
  struct Context : boost::asio::io_context {
    using execution_context::shutdown;
    using io_context::io_context;
  };
  std::vector<std::unique_ptr<Context>> contexts_;
  bool io_uring_;
};

// Whether a listener is the process's first on its port or another worker's beside it.
enum class Claim { first, beside_first };

// An acceptor bound with SO_REUSEPORT, so the workers of one process share the port; throws
// RuntimeFailure when it cannot bind. The first of a process also refuses a port any other
// socket listens on (another reprise would otherwise share it silently, the kernel splitting
// connections between the two), as nginx and HAProxy do.
boost::asio::ip::tcp::acceptor make_listener(boost::asio::io_context& ctx,
                                             const boost::asio::ip::tcp::endpoint& ep,
                                             Claim claim = Claim::first);

}  // namespace reprise::net
