// Real TCP on 127.0.0.1 for the net/ tests: ports the kernel chooses, connected pairs, a bounded
// wait for readability, and the bound every io_context run in those tests keeps. Tests using it
// check outcomes and order, never speed; it must not grow timing assertions.
#pragma once

#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <utility>

namespace reprise::test {

// No io_context run in a test may take longer, however busy the machine.
constexpr std::chrono::seconds kRunBound{20};

inline boost::asio::ip::tcp::endpoint loopback(uint16_t port = 0) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

// Both ends of one TCP connection, on a port the kernel chose.
struct Connection {
  boost::asio::ip::tcp::socket local;
  boost::asio::ip::tcp::socket peer;
};

inline Connection connect_pair(boost::asio::io_context& ctx) {
  boost::asio::ip::tcp::acceptor acceptor(ctx, loopback());
  boost::asio::ip::tcp::socket local(ctx);
  local.connect(acceptor.local_endpoint());
  return {std::move(local), acceptor.accept()};
}

// Waits (10 s at most) until the kernel has something for `socket` to read: bytes or a FIN.
inline bool readable(boost::asio::ip::tcp::socket& socket) {
  pollfd p{socket.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 10000) == 1;
}

}  // namespace reprise::test
