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

constexpr size_t kRead = 65536;

// One direction until EOF, then a half-close of the other side. dir: 'u' to the upstream.
awaitable<void> copy_until_eof(net::Stream& from, net::ByteBuffer& buf, net::Stream& to,
                               ExchangeRecording& rec, ExchangeMetrics& metrics, char dir) {
  for (;;) {
    if (!buf.empty()) {
      rec.tunnel_bytes(dir, buf.readable());
      auto [ec, n] = co_await asio::async_write(to, asio::buffer(buf.readable()), nothrow);
      metrics.tunnel_bytes(dir, n);
      if (ec) break;
      buf.clear();
    }
    auto [ec, n] = co_await from.async_read_some(buf.prepare(kRead), nothrow);
    if (ec) break;
    buf.commit(n);
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
