// The HTTP side of `reprise upstream-demo`: one coroutine per connection reading requests with
// the shared llhttp parser and answering from the ChatService, the SSE streams (a user's
// notifications, the anonymous lobby's): an event as soon as the topic's consumer delivers it, a
// heartbeat comment on a fixed period, the end as soon as the client leaves; and that consumer,
// a timer taking the service's published events off its topic through a token bucket (at most
// the delivery rate a second, every 10 ms while there is a backlog). The clock is here, never in
// the service.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <string>
#include <unordered_set>

#include "demo/ChatService.hpp"
#include "demo/TokenBucket.hpp"

namespace reprise::demo {

class DemoServer {
 public:
  DemoServer(boost::asio::io_context& ctx, const boost::asio::ip::tcp::endpoint& listen,
             std::chrono::microseconds heartbeat, ChatOptions options = {},
             double delivery_rate = kDefaultDeliveryRate);

  void start();
  // Closes the listener and every connection; the io_context then runs out of work by itself.
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  // What stop() needs to end a connection's coroutine: its socket, and a stream's wake timer.
  struct Connection {
    boost::asio::ip::tcp::socket* socket;
    boost::asio::steady_timer* wake;
  };
  boost::asio::awaitable<void> stream(Connection& self, int subscriber);
  boost::asio::awaitable<void> send_events(Connection& self, std::deque<std::string>& queue,
                                           std::string& out);
  // The topic's consumer: sleeps while the topic is empty, ticks while it has a backlog.
  boost::asio::awaitable<void> deliver_events();
  void wake_delivery();

  boost::asio::io_context& ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::chrono::microseconds heartbeat_;
  ChatService service_;
  std::unordered_set<Connection*> connections_;
  TokenBucket delivery_bucket_;
  boost::asio::steady_timer delivery_timer_;
  bool delivery_idle_ = false;
  bool stopping_ = false;
};

}  // namespace reprise::demo
