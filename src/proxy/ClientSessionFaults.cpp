// The points of a client session where faults act: before the request goes upstream (reset,
// timeout, upstream_down, abort, delay), while writing (bandwidth, slice), on an event stream
// (sse_drop) and at the close (slow_close, in forward()). What acts is decided per exchange
// by the worker's FaultSet (ProxyWorker::choose_faults); this file only carries it out.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "proxy/ClientSession.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}  // namespace

awaitable<void> ClientSession::pause(faults::Duration d) {
  fault_timer_.expires_after(d);
  co_await fault_timer_.async_wait(nothrow);
}

awaitable<ClientSession::FaultStep> ClientSession::act_before_upstream(bool has_body) {
  boost::system::error_code ignored;
  if (effects_.reset) {  // an RST, not a FIN: linger on with a zero timeout, then close
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    client_.close(ignored);
    x_.status = 0;
    log_exchange();
    co_return FaultStep::closed;
  }
  if (effects_.hold) {  // timeout: no answer, then the connection closes
    client_dog_.disarm();
    co_await pause(*effects_.hold);
    log_exchange();
    co_return FaultStep::closed;
  }
  if (effects_.upstream_down) {  // what the proxy answers when the upstream refuses connections
    metrics_.connect_failed(false);
    co_await reply_error(502, "upstream connect failed: Connection refused");
    co_return FaultStep::closed;
  }
  if (effects_.answer_status) {  // abort: the upstream is not asked; a body never read closes the connection
    x_.close_after = has_body || !x_.client_keep_alive || closing_ || worker_.draining();
    x_.status = *effects_.answer_status;
    x_.response_started = true;
    metrics_.answered(x_.status);
    http::write_plain_response(response_head_, x_.status, effects_.answer_body, x_.close_after);
    client_dog_.arm(worker_.config().idle_timeout);
    auto [ec, n] = co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
    metrics_.response_bytes(n);
    x_.bytes_out = n;
    log_exchange();
    co_return ec ? FaultStep::closed : FaultStep::answered;
  }
  if (effects_.request_delay.count() > 0) co_await pause(effects_.request_delay);
  co_return FaultStep::go_on;
}

awaitable<std::pair<boost::system::error_code, size_t>> ClientSession::write_paced(
    asio::ip::tcp::socket& to, const std::vector<asio::const_buffer>& buffers, const faults::Pacing& pacing) {
  size_t total = 0;
  for (const auto& b : buffers) {
    for (size_t at = 0; at < b.size();) {
      const size_t n = std::min(pacing.bytes, b.size() - at);
      auto [ec, wrote] =
          co_await asio::async_write(to, asio::buffer(static_cast<const char*>(b.data()) + at, n), nothrow);
      total += wrote;
      if (ec) co_return std::pair{ec, total};
      at += n;
      co_await pause(pacing.pause);
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
      if (c == '\n' && after_newline_ && ++events_seen_ == limit) {
        stream_pieces_.push_back(piece.substr(0, i + 1));
        return true;
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
