// What the faults that hit an exchange may do to it (faults::ExchangeControl), done on the
// session's client connection: pause, hold unanswered until the client leaves, reset, answer in
// place of the upstream, answer as a refused connect. When several faults hit one request the
// order is ExchangeFaults': waits first, then the first of the kinds that end the exchange.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string_view>

#include "faults/FaultAction.hpp"

namespace reprise::proxy {

class ClientSession;

class FaultPoints : public faults::ExchangeControl {
 public:
  explicit FaultPoints(ClientSession& session);

  boost::asio::awaitable<void> pause(faults::Duration d) override;
  boost::asio::awaitable<void> hold(faults::Duration d) override;
  void reset() override;
  boost::asio::awaitable<faults::Next> answer(int status, std::string_view body) override;
  boost::asio::awaitable<void> refuse_connect() override;

 private:
  boost::asio::steady_timer& timer();

  ClientSession& s_;
  std::unique_ptr<boost::asio::steady_timer> timer_;  // the faults' pauses and holds, made at the first
};

}  // namespace reprise::proxy
