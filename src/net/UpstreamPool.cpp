#include "net/UpstreamPool.hpp"

#include <sys/socket.h>

#include "net/Nothrow.hpp"
#include "net/SocketOptions.hpp"
#include "net/Watchdog.hpp"

namespace reprise::net {

namespace asio = boost::asio;

UpstreamPool::UpstreamPool(asio::any_io_executor executor, tcp::endpoint endpoint, size_t max_idle,
                           std::chrono::microseconds connect_timeout, const ClientTlsSettings* tls)
    : executor_(std::move(executor)),
      endpoint_(endpoint),
      max_idle_(max_idle),
      connect_timeout_(connect_timeout),
      tls_(tls ? std::make_unique<ClientTls>(*tls) : nullptr) {
  idle_.reserve(max_idle);
}

bool UpstreamPool::still_open(Stream& s) {
  char byte;
  ssize_t n = ::recv(s.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // 0: closed; >0: unasked-for bytes
}

UpstreamPool::Result UpstreamPool::take_idle() {
  while (!idle_.empty()) {
    Stream idle = std::move(idle_.back());
    idle_.pop_back();
    if (still_open(idle)) return {UpstreamConnection{std::move(idle), true}, {}, false, {}};
  }
  return {};
}

asio::awaitable<UpstreamPool::Result> UpstreamPool::connect() {
  Stream stream = tls_ ? tls_->wrap(tcp::socket(executor_)) : Stream(tcp::socket(executor_));
  Watchdog dog(stream.socket());
  dog.arm(connect_timeout_);
  auto [ec] = co_await stream.socket().async_connect(endpoint_, nothrow);
  if (ec) co_return Result{std::nullopt, ec, dog.expired(), {}};
  tune(stream.socket());
  if (tls_) {
    auto [hec] = co_await stream.async_handshake(Stream::Side::client, nothrow);
    if (hec) co_return Result{std::nullopt, hec, dog.expired(), dog.expired() ? "" : handshake_failure(stream, hec)};
  }
  dog.disarm();
  co_return Result{UpstreamConnection{std::move(stream), false}, {}, false, {}};
}

void UpstreamPool::release(Stream stream) {
  if (idle_.size() >= max_idle_) return;
  idle_.push_back(std::move(stream));
}

}  // namespace reprise::net
