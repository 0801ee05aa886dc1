// A WebSocket (or any 101 upgrade) after its handshake: bytes copied both ways until each side
// ends, each direction half-closed when its source ends, recorded and counted as they pass.
// It reads no frames: the capture's frame timing is ExchangeRecording's business.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "net/ByteBuffer.hpp"
#include "net/Stream.hpp"
#include "proxy/ExchangeMetrics.hpp"
#include "proxy/ExchangeRecording.hpp"

namespace reprise::proxy {

// A started tunnel's end: `done` is cancelled once both directions have ended.
struct TunnelEnds {
  explicit TunnelEnds(const boost::asio::any_io_executor& ex) : done(ex, boost::asio::steady_timer::time_point::max()) {}
  bool over() const { return running == 0; }
  boost::asio::steady_timer done;
  int running = 2;
};

// Starts both directions; `client_in` and `upstream_in` may hold bytes already read past the
// handshake. Plain handlers run them: the streams, buffers, recording and metrics must stay
// until the tunnel is over.
std::shared_ptr<TunnelEnds> start_tunnel(net::Stream& client, net::ByteBuffer& client_in, net::Stream& upstream,
                                         net::ByteBuffer& upstream_in, ExchangeRecording& rec,
                                         ExchangeMetrics& metrics);

// After `done` woke: true when the tunnel is over; else (anything else woke it) both directions
// are ended, their sockets' operations cancelled, and `done` is to be awaited again.
bool over_or_ended(TunnelEnds& ends, net::Stream& client, net::Stream& upstream);

// Returns once the tunnel is over. A cancellation from outside ends both directions and waits
// for that, rather than leaving them behind.
boost::asio::awaitable<void> await_tunnel(TunnelEnds& ends, net::Stream& client, net::Stream& upstream);

}  // namespace reprise::proxy
