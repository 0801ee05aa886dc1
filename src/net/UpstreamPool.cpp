#include "net/UpstreamPool.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/SocketOptions.hpp"
#include "net/Watchdog.hpp"

namespace reprise::net {

namespace asio = boost::asio;

UpstreamPool::UpstreamPool(asio::any_io_executor executor, tcp::endpoint endpoint, size_t max_idle,
                           std::chrono::microseconds connect_timeout)
    : executor_(std::move(executor)), endpoint_(endpoint), max_idle_(max_idle), connect_timeout_(connect_timeout) {
  idle_.reserve(max_idle);
}

bool UpstreamPool::still_open(tcp::socket& s) {
  char byte;
  ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // 0: closed; >0: unasked-for bytes
}

UpstreamPool::Result UpstreamPool::take_idle() {
  while (!idle_.empty()) {
    tcp::socket idle = std::move(idle_.back());
    idle_.pop_back();
    if (still_open(idle)) return {UpstreamConnection{std::move(idle), true}, {}, false};
  }
  return {};
}

asio::awaitable<UpstreamPool::Result> UpstreamPool::acquire() {
  Result r = take_idle();
  if (r.connection) co_return r;
  co_return co_await connect();
}

asio::awaitable<UpstreamPool::Result> UpstreamPool::connect() {
  tcp::socket socket(executor_);
  Watchdog dog(socket);
  dog.arm(connect_timeout_);
  auto [ec] = co_await socket.async_connect(endpoint_, asio::as_tuple(asio::use_awaitable));
  dog.disarm();
  if (ec) co_return Result{std::nullopt, ec, dog.expired()};
  tune(socket);
  co_return Result{UpstreamConnection{std::move(socket), false}, {}, false};
}

void UpstreamPool::release(tcp::socket socket) {
  if (idle_.size() >= max_idle_) return;
  idle_.push_back(std::move(socket));
}

}  // namespace reprise::net
