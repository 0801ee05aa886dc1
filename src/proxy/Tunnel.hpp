// A WebSocket (or any 101 upgrade) after its handshake: bytes copied both ways until each side
// ends, each direction half-closed when its source ends, recorded and counted as they pass.
// It reads no frames: the capture's frame timing is ExchangeRecording's business.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/ByteBuffer.hpp"
#include "net/Stream.hpp"
#include "proxy/ExchangeMetrics.hpp"
#include "proxy/ExchangeRecording.hpp"

namespace reprise::proxy {

// `client_in` and `upstream_in` may hold bytes already read past the handshake.
boost::asio::awaitable<void> tunnel(net::Stream& client, net::ByteBuffer& client_in,
                                    net::Stream& upstream, net::ByteBuffer& upstream_in,
                                    ExchangeRecording& rec, ExchangeMetrics& metrics);

}  // namespace reprise::proxy
