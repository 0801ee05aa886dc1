#include "proxy/Tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "net/Nothrow.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using net::nothrow;

namespace {

// One direction until EOF, then a half-close of the other side; dir 'u' is to the upstream. It
// reads what is there without waiting and waits with no buffer held, so a tunnel at rest costs
// its two waits. Plain handlers, not a coroutine per direction: a pair of coroutines joined
// with && costs two spawned frames and a group's state per tunnel.
class Direction : public std::enable_shared_from_this<Direction> {
 public:
  Direction(net::Stream& from, net::ByteBuffer& buf, net::Stream& to, ExchangeRecording& rec,
            ExchangeMetrics& metrics, char dir, std::shared_ptr<TunnelEnds> ends)
      : from_(from), buf_(buf), to_(to), rec_(rec), metrics_(metrics), dir_(dir), ends_(std::move(ends)) {}

  // Writes what is buffered, else reads what is there, else waits; until the source ends.
  void next() {
    for (;;) {
      if (!buf_.empty()) {
        rec_.tunnel_bytes(dir_, buf_.readable());
        asio::async_write(to_, asio::buffer(buf_.readable()),
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                            self->metrics_.tunnel_bytes(self->dir_, n);
                            if (ec) return self->end();
                            self->buf_.clear();
                            self->next();
                          });
        return;
      }
      boost::system::error_code ec;
      auto space = buf_.prepare(read_size_.next());
      size_t n = from_.read_some(space, ec);
      if (!ec) {
        buf_.commit(n);
        read_size_.got(n, space.size());
        continue;
      }
      if (ec != asio::error::would_block) return end();  // the end, or a failure
      buf_.release();
      read_size_.restart();
      from_.async_wait_readable(asio::bind_allocator(
          net::held_wait, [self = shared_from_this()](const boost::system::error_code& wec, size_t) {
            if (!net::Stream::readable(wec)) return self->end();
            self->next();
          }));
      return;
    }
  }

 private:
  void end() {
    boost::system::error_code ignored;
    // A TCP half-close, not TLS's close_notify: the other direction may still be reading.
    to_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (--ends_->running == 0) ends_->done.cancel();
  }

  net::Stream& from_;
  net::ByteBuffer& buf_;
  net::Stream& to_;
  ExchangeRecording& rec_;
  ExchangeMetrics& metrics_;
  char dir_;
  std::shared_ptr<TunnelEnds> ends_;
  net::ReadSize read_size_;  // reads start small and grow while the bytes keep coming
};

}  // namespace

std::shared_ptr<TunnelEnds> start_tunnel(net::Stream& client, net::ByteBuffer& client_in, net::Stream& upstream,
                                         net::ByteBuffer& upstream_in, ExchangeRecording& rec,
                                         ExchangeMetrics& metrics) {
  auto ends = std::make_shared<TunnelEnds>(client.get_executor());
  std::make_shared<Direction>(client, client_in, upstream, rec, metrics, 'u', ends)->next();
  std::make_shared<Direction>(upstream, upstream_in, client, rec, metrics, 'd', ends)->next();
  return ends;
}

bool over_or_ended(TunnelEnds& ends, net::Stream& client, net::Stream& upstream) {
  if (ends.over()) return true;
  client.cancel();
  upstream.cancel();
  return false;
}

awaitable<void> await_tunnel(TunnelEnds& ends, net::Stream& client, net::Stream& upstream) {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (ends.over()) co_return;
  do {
    co_await ends.done.async_wait(asio::bind_allocator(net::held_wait, net::nothrow_awaitable));
  } while (!over_or_ended(ends, client, upstream));
}

}  // namespace reprise::proxy
