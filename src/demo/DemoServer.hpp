// The HTTP side of `reprise upstream-demo`: one coroutine per connection reading requests with
// the shared llhttp parser and answering from the ChatService, and the SSE notification streams
// (an event as soon as it is published, a heartbeat comment on a fixed period).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "demo/ChatService.hpp"

namespace reprise::demo {

class DemoServer {
 public:
  DemoServer(boost::asio::io_context& ctx, const boost::asio::ip::tcp::endpoint& listen,
             std::chrono::microseconds heartbeat);

  void start();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> stream(boost::asio::ip::tcp::socket& socket, int user);

  boost::asio::io_context& ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::chrono::microseconds heartbeat_;
  ChatService service_;
};

}  // namespace reprise::demo
