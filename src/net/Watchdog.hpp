// A deadline for one socket: when it passes, the socket's pending operations are cancelled and
// expired() turns true. Arming is a store of a time point; the timer is re-armed only when it
// wakes before the deadline, so the hot path pays no timer call per read.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace reprise::net {

class Watchdog {
 public:
  using clock = std::chrono::steady_clock;

  explicit Watchdog(boost::asio::ip::tcp::socket& socket);
  // A watchdog that is pointed at a socket later, and may be moved to another (a session's
  // upstream connection changes, its timer need not).
  explicit Watchdog(const boost::asio::any_io_executor& executor);
  void watch(boost::asio::ip::tcp::socket& socket) { state_->socket = &socket; }
  void unwatch() {
    disarm();
    state_->socket = nullptr;
  }
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(clock::duration timeout);
  void disarm();
  // Disarms and cancels the pending timer too, so that an io_context with nothing else to do
  // can return (disarm alone leaves the timer to wake at the old deadline).
  void stop();
  bool expired() const { return state_->expired; }

 private:
  struct State {
    State(const boost::asio::any_io_executor& ex, boost::asio::ip::tcp::socket* s) : timer(ex), socket(s) {}
    boost::asio::steady_timer timer;
    boost::asio::ip::tcp::socket* socket;
    clock::time_point deadline = clock::time_point::max();
    bool waiting = false;
    bool expired = false;
  };
  static void wait(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
};

}  // namespace reprise::net
