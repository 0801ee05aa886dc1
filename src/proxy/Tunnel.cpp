#include "proxy/Tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/Nothrow.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using net::nothrow;
using namespace asio::experimental::awaitable_operators;

namespace {

// Reads start small and grow while the bytes keep coming (a file through the tunnel), as a
// response body's do.
constexpr size_t kFirstRead = 4096;
constexpr size_t kMostRead = 65536;

// One direction until EOF, then a half-close of the other side. dir: 'u' to the upstream. It
// reads what is there without waiting and waits with no buffer held: a tunnel at rest costs its
// two waits, not two read buffers.
awaitable<void> copy_until_eof(net::Stream& from, net::ByteBuffer& buf, net::Stream& to,
                               ExchangeRecording& rec, ExchangeMetrics& metrics, char dir) {
  size_t read_size = kFirstRead;
  for (;;) {
    if (!buf.empty()) {
      rec.tunnel_bytes(dir, buf.readable());
      auto [ec, n] = co_await asio::async_write(to, asio::buffer(buf.readable()), nothrow);
      metrics.tunnel_bytes(dir, n);
      if (ec) break;
      buf.clear();
    }
    boost::system::error_code ec;
    auto space = buf.prepare(read_size);
    size_t n = from.read_some(space, ec);
    if (!ec) {
      buf.commit(n);
      if (n == space.size() && read_size < kMostRead) read_size *= 2;
      continue;
    }
    if (ec != asio::error::would_block) break;  // the end, or a failure
    buf.release();
    read_size = kFirstRead;
    auto [wec, peeked] = co_await from.async_wait_readable(nothrow);
    if (!net::Stream::readable(wec)) break;
  }
  boost::system::error_code ignored;
  // A TCP half-close, not TLS's close_notify: the other direction may still be reading.
  to.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

awaitable<void> tunnel(net::Stream& client, net::ByteBuffer& client_in, net::Stream& upstream,
                       net::ByteBuffer& upstream_in, ExchangeRecording& rec, ExchangeMetrics& metrics) {
  co_await (copy_until_eof(client, client_in, upstream, rec, metrics, 'u') &&
            copy_until_eof(upstream, upstream_in, client, rec, metrics, 'd'));
}

}  // namespace reprise::proxy
