#include "net/Workers.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/socket_base.hpp>
#include <mutex>

#include "InputError.hpp"
#include "net/Address.hpp"
#include "net/Ring.hpp"

namespace reprise::net {

int Workers::default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

Workers::Workers(int threads, bool io_uring) : io_uring_(io_uring) {
  int n = threads > 0 ? threads : default_threads();
  for (int i = 0; i < n;
       ++i)  // Every socket is touched only by its own worker thread, so the reactor needs no per-socket
    // locks; posting (drain) from the control thread still goes through the locked scheduler.
    contexts_.push_back(std::make_unique<Context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
}

void Workers::run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts_.size(); ++i) threads.emplace_back([this, i] { run_here(*contexts_[i]); });
  run_here(*contexts_[0]);
  for (auto& t : threads) t.join();
}

void Workers::run_here(boost::asio::io_context& ctx) {
  if (io_uring_ && !Ring::start(ctx)) {
    static std::once_flag told;
    std::call_once(told,
                   [] { spdlog::warn("io_uring is not available here (kernel or seccomp): epoll instead"); });
  }
  ctx.run();
  Ring::leave();
}

void Workers::stop() {
  for (auto& c : contexts_) c->stop();
}

void Workers::shutdown() {
  for (auto& c : contexts_) c->shutdown();
}

namespace {

// A bind without SO_REUSEPORT fails while any socket listens on the port, whatever its options.
void check_port_free(boost::asio::io_context& ctx, const boost::asio::ip::tcp::endpoint& ep) {
  if (ep.port() == 0) return;  // the kernel picks a free one
  boost::asio::ip::tcp::acceptor probe(ctx);
  boost::system::error_code ec;
  probe.open(ep.protocol(), ec);
  if (!ec) probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(ep, ec);
  if (ec == boost::asio::error::address_in_use)
    throw RuntimeFailure("cannot listen on " + to_string(ep) + ": " + ec.message() +
                         " (another process listens there)");
}

}  // namespace

boost::asio::ip::tcp::acceptor make_listener(boost::asio::io_context& ctx,
                                             const boost::asio::ip::tcp::endpoint& ep, Claim claim) {
  if (claim == Claim::first) check_port_free(ctx, ep);
  boost::asio::ip::tcp::acceptor acceptor(ctx);
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec.assign(errno, boost::system::system_category());
  }
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(4096, ec);
  if (ec) throw RuntimeFailure("cannot listen on " + to_string(ep) + ": " + ec.message());
  return acceptor;
}

}  // namespace reprise::net
