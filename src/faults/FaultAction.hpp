// What one fault does to one exchange it hit, at the proxy session's fault points, and the
// session as a fault sees it there. A kind (faults/kinds/) makes an action for each exchange it
// hits and overrides only the points it acts at; the session (proxy/) implements
// ExchangeControl. Adding a kind that acts at these points touches no other file. No sockets
// here: what a fault may do to a connection is what ExchangeControl offers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "faults/Fault.hpp"

namespace reprise::faults {

// How the exchange goes on after a fault point.
enum class Next { go_on, answered, closed };

class ExchangeControl {
 public:
  virtual boost::asio::awaitable<void> pause(Duration d) = 0;
  // Keeps the request unanswered for `d`, or until the client leaves.
  virtual boost::asio::awaitable<void> hold(Duration d) = 0;
  // Closes the client connection with a TCP RST; nothing is answered.
  virtual void reset() = 0;
  // The proxy answers in place of the upstream (to HEAD, the head only). The answer goes through
  // the later points of every fault that hit: before_answer, pacing, closes and at_close.
  virtual boost::asio::awaitable<Next> answer(int status, std::string_view body) = 0;
  // The proxy's own answer when the upstream refuses connections (502), counted as one.
  virtual boost::asio::awaitable<void> refuse_connect() = 0;

 protected:
  ~ExchangeControl() = default;
};

class FaultAction {
 public:
  using clock = std::chrono::steady_clock;
  virtual ~FaultAction() = default;

  // Before the request goes upstream, in rank order (lower first; among equal ranks, the file's
  // order): waits rank 0, and each kind that ends the exchange has its own rank, so which one
  // ends it does not hang on the file's order. The first that does not go on ends the exchange.
  virtual int rank() const { return 0; }
  virtual boost::asio::awaitable<Next> before_upstream(ExchangeControl&) { co_return Next::go_on; }
  // Before an answer's head goes to the client (the upstream's or the proxy's own).
  virtual boost::asio::awaitable<void> before_answer(ExchangeControl&) { co_return; }
  // The writes in `direction` go at `pace` or slower: a pacing kind slows it to its own.
  virtual void pace(Direction, Pacing&) const {}

  // An answer's body on its way to the client: true when this action cuts bodies of
  // `content_type`; `pass` is then given the body piece by piece and returns how many bytes of
  // it go out, setting `cut` when the connection closes after them; at `cut_at` it closes too.
  virtual bool watches_body(std::string_view /*content_type*/) { return false; }
  virtual size_t pass(std::string_view piece, bool& /*cut*/) { return piece.size(); }
  virtual clock::time_point cut_at() const { return clock::time_point::max(); }

  // After the answer: true when the connection closes after it, keep-alive or not; `at_close`
  // runs before the close.
  virtual bool closes() const { return false; }
  virtual boost::asio::awaitable<void> at_close(ExchangeControl&) { co_return; }
};

}  // namespace reprise::faults
