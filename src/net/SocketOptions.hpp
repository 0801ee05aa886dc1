// The options every proxied TCP connection gets: no Nagle delay, non-blocking reads (relaying
// tries a read before it waits), and TCP keepalive probes so that a peer that vanished without
// a FIN or RST (a long SSE stream, a quiet WebSocket) is found within about two minutes.
// Also the one check of whether a peer left while no read was wanted (peer_left).
#pragma once

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>

namespace reprise::net {

inline void tune(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  s.set_option(boost::asio::socket_base::keep_alive(true), ignored);
  s.non_blocking(true, ignored);
  int idle = 60, interval = 10, count = 6;  // first probe after 60 s idle, dead after 6 unanswered
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// After a socket became readable while no read was wanted: true when the peer left (end of
// stream or an error), false when bytes wait (a pipelined request) or it was a false alarm.
// Peeks one byte, consuming nothing.
inline bool peer_left(int fd) {
  char byte;
  ssize_t peeked = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace reprise::net
