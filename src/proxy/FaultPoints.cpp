#include "proxy/FaultPoints.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "net/Nothrow.hpp"
#include "net/SocketOptions.hpp"
#include "proxy/ClientSession.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using net::nothrow;
using namespace asio::experimental::awaitable_operators;

FaultPoints::FaultPoints(ClientSession& session) : s_(session) {}

// Made when a fault first pauses: a connection no fault touches (a held stream) keeps no timer.
asio::steady_timer& FaultPoints::timer() {
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(s_.client_.get_executor());
  return *timer_;
}

awaitable<void> FaultPoints::pause(faults::Duration d) {
  s_.x_.fault_wait += d;
  timer().expires_after(d);
  co_await timer().async_wait(nothrow);
}

void FaultPoints::reset() {
  s_.reset_client();
  s_.x_.status = 0;
  s_.log_exchange();
}

// timeout: the request waits unanswered, but a client that leaves (EOF, reset) ends the hold at
// once, so that held connections do not fill --max-connections after their clients gave up.
awaitable<void> FaultPoints::hold(faults::Duration d) {
  s_.client_dog_.disarm();
  timer().expires_after(d);
  auto first = co_await (timer().async_wait(net::nothrow_awaitable) ||
                         s_.client_.async_wait_readable(net::nothrow_awaitable));
  if (first.index() == 1 && !net::peer_left(s_.client_.socket().native_handle()))
    co_await timer().async_wait(nothrow);  // a pipelined request: hold on
  s_.log_exchange();
}

awaitable<void> FaultPoints::refuse_connect() {
  s_.x_.metrics.connect_failed(false);
  co_await s_.reply_error(502, "upstream connect failed: Connection refused");
}

// abort: the proxy answers, the upstream is not asked; a request body never read closes the
// connection. An answer to HEAD has no body (its length is still given).
awaitable<faults::Next> FaultPoints::answer(int status, std::string_view body) {
  auto& x = s_.x_;
  x.close_after = x.has_body || !x.client_keep_alive || s_.closing() || x.faults.closes();
  x.status = status;
  x.response_started = true;
  x.metrics.answered(status);
  auto& text = s_.relay_.answer_buffer();
  http::write_plain_response(text, status, body, x.close_after);
  if (x.head_request) text.resize(text.size() - body.size());  // the length is said, the body is not sent
  co_await x.faults.before_answer(*this);
  s_.client_dog_.arm(s_.worker_.config().idle_timeout);
  auto [ec, n] = co_await s_.to_client_.write(s_.client_, asio::buffer(text), nothrow);
  x.metrics.response_bytes(n);
  x.bytes_out = n;
  s_.log_exchange();
  co_await x.faults.at_close(*this);
  co_return ec ? faults::Next::closed : faults::Next::answered;
}

}  // namespace reprise::proxy
