// The points of a client session where faults act: before the request goes upstream (reset,
// timeout, upstream_down, abort, delay), while writing (bandwidth, slice), on an event stream
// (sse_drop) and at the close (slow_close, in forward()). What acts is decided per exchange
// by the worker's FaultSet (ProxyWorker::choose_faults); this file only carries it out.
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "proxy/ClientSession.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;

using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}  // namespace

awaitable<void> ClientSession::pause(faults::Duration d, asio::steady_timer& timer) {
  timer.expires_after(d);
  co_await timer.async_wait(nothrow);
}

// When several faults hit one request they act in this order: the request delay first, then the
// first of reset, timeout, upstream_down and abort (each ends the exchange); an abort's answer
// takes the response delay and the pacing to the client, and slow_close after it.
awaitable<ClientSession::FaultStep> ClientSession::act_before_upstream(bool has_body) {
  boost::system::error_code ignored;
  if (effects_.request_delay.count() > 0) co_await pause(effects_.request_delay, fault_timer_);
  if (effects_.reset) {  // an RST, not a FIN: linger on with a zero timeout, then close
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    client_.close(ignored);
    x_.status = 0;
    log_exchange();
    co_return FaultStep::closed;
  }
  if (effects_.hold) {  // timeout: no answer, then the connection closes
    client_dog_.disarm();
    co_await hold_unless_client_leaves(*effects_.hold);
    log_exchange();
    co_return FaultStep::closed;
  }
  if (effects_.upstream_down) {  // what the proxy answers when the upstream refuses connections
    metrics_.connect_failed(false);
    co_await reply_error(502, "upstream connect failed: Connection refused");
    co_return FaultStep::closed;
  }
  if (effects_.answer_status) co_return co_await answer_abort(has_body);
  co_return FaultStep::go_on;
}

// abort: the proxy answers, the upstream is not asked; a request body never read closes the
// connection. An answer to HEAD has no body (its length is still given).
awaitable<ClientSession::FaultStep> ClientSession::answer_abort(bool has_body) {
  x_.close_after =
      has_body || !x_.client_keep_alive || closing_ || worker_.draining() || effects_.close_delay.count() > 0;
  x_.status = *effects_.answer_status;
  x_.response_started = true;
  metrics_.answered(x_.status);
  http::write_plain_response(response_head_, x_.status, effects_.answer_body, x_.close_after);
  if (x_.head_request)  // the length is said, the body is not sent
    response_head_.resize(response_head_.size() - effects_.answer_body.size());
  if (effects_.response_delay.count() > 0) co_await pause(effects_.response_delay, fault_timer_);
  client_dog_.arm(worker_.config().idle_timeout);
  std::pair<boost::system::error_code, size_t> wrote;
  if (effects_.to_client.bytes) {
    out_.clear();
    out_.push_back(asio::buffer(response_head_));
    wrote = co_await write_paced(client_, out_, effects_.to_client, fault_timer_);
  } else {
    auto [e, n] = co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
    wrote = {e, n};
  }
  metrics_.response_bytes(wrote.second);
  x_.bytes_out = wrote.second;
  log_exchange();
  if (effects_.close_delay.count() > 0) co_await pause(effects_.close_delay, fault_timer_);
  co_return wrote.first ? FaultStep::closed : FaultStep::answered;
}

// timeout: the request waits unanswered, but a client that leaves (EOF, reset) ends the hold at
// once, so that held connections do not fill --max-connections after their clients gave up.
awaitable<void> ClientSession::hold_unless_client_leaves(faults::Duration d) {
  fault_timer_.expires_after(d);
  auto first = co_await (fault_timer_.async_wait(nothrow) ||
                         client_.async_wait(asio::ip::tcp::socket::wait_read, nothrow));
  if (first.index() == 0) co_return;  // held to the end
  char byte;
  ssize_t peeked = ::recv(client_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked > 0) co_await fault_timer_.async_wait(nothrow);  // a pipelined request: hold on
}

awaitable<std::pair<boost::system::error_code, size_t>> ClientSession::write_paced(
    asio::ip::tcp::socket& to, const std::vector<asio::const_buffer>& buffers, const faults::Pacing& pacing,
    asio::steady_timer& timer) {
  size_t total = 0;
  for (const auto& b : buffers) {
    for (size_t at = 0; at < b.size();) {
      const size_t n = std::min(pacing.bytes, b.size() - at);
      auto [ec, wrote] =
          co_await asio::async_write(to, asio::buffer(static_cast<const char*>(b.data()) + at, n), nothrow);
      total += wrote;
      if (ec) co_return std::pair{ec, total};
      at += n;
      co_await pause(pacing.pause, timer);
    }
  }
  co_return std::pair{boost::system::error_code(), total};
}

// Keeps the pieces up to the blank line that ends the event reaching the count ("\n\n"; a
// "\r\n\r\n" ends in "\n\r\n", which is counted the same way once the '\r' is skipped).
bool ClientSession::cut_events() {
  stream_pieces_.clear();
  const uint64_t limit = effects_.cut_after_events;
  for (auto piece : response_.pieces()) {
    if (limit == 0) {
      stream_pieces_.push_back(piece);
      continue;
    }
    for (size_t i = 0; i < piece.size(); ++i) {
      char c = piece[i];
      if (c == '\r') continue;
      if (c == '\n' && after_newline_) {  // a blank line ends an event; more blank lines end none
        after_newline_ = false;
        if (++events_seen_ == limit) {
          stream_pieces_.push_back(piece.substr(0, i + 1));
          return true;
        }
        continue;
      }
      after_newline_ = c == '\n';
    }
    stream_pieces_.push_back(piece);
  }
  return false;
}

bool ClientSession::stream_cut_due() const {
  return cutting_stream_ && std::chrono::steady_clock::now() >= stream_cut_at_;
}

}  // namespace reprise::proxy
