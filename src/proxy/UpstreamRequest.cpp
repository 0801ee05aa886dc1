#include "proxy/UpstreamRequest.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/Nothrow.hpp"
#include "proxy/BodyPieces.hpp"
#include "proxy/ClientSession.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using net::nothrow;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr size_t kBodyRead = 65536;
}  // namespace

awaitable<Outcome> UpstreamRequest::send(net::UpstreamConnection& up) {
  auto& x = s_.x_;
  auto& request = s_.request_;
  out_.clear();
  out_.push_back(asio::buffer(head_));
  http::MessageParser::BodyStep step{0, !x.has_body, nullptr};
  bool chunked = request.head().body == http::BodyKind::chunked;
  if (x.has_body) {
    step = request.parse_body(s_.in_.readable());
    if (step.error) {
      co_await s_.reply_error(400, step.error);
      co_return Outcome::failed;
    }
    add_body_pieces(out_, sizes_, request.pieces(), chunked);
    if (step.complete && chunked) out_.push_back(asio::buffer(kLastChunk));
    x.copy_request_body(request.pieces());
  }
  s_.relay_.deadline().watch(up.stream.socket());
  s_.relay_.deadline().arm(s_.worker_.config().response_timeout);
  auto [ec, n] = co_await writer_.write(up.stream, out_, nothrow);
  if (ec) co_return x.has_body ? Outcome::failed : Outcome::retryable;
  x.metrics.request_written();
  x.metrics.request_bytes(step.consumed);
  s_.in_.consume(step.consumed);
  request.clear_pieces();
  x.request_done = step.complete;
  if (step.complete) co_return co_await s_.relay_.head(up, ResponseRelay::Holding::allowed);
  co_return co_await relay_beside_pump(up, chunked);
}

// The rest of the body streams up while the answer (perhaps 100 Continue) streams down. Its own
// coroutine, so that the frame of every other exchange stays small.
awaitable<Outcome> UpstreamRequest::relay_beside_pump(net::UpstreamConnection& up, bool chunked) {
  co_await (pump_body(up, chunked) && relay_then_stop_pump(up));
  co_return relay_outcome_;
}

awaitable<void> UpstreamRequest::relay_then_stop_pump(net::UpstreamConnection& up) {
  relay_outcome_ = co_await s_.relay_.whole(up);
  if (!s_.x_.request_done) s_.client_.cancel();  // the answer is complete: stop waiting for the body
}

awaitable<void> UpstreamRequest::pump_body(net::UpstreamConnection& up, bool chunked) {
  auto& x = s_.x_;
  auto& request = s_.request_;
  auto& in = s_.in_;
  for (;;) {
    s_.client_dog_.arm(s_.worker_.config().idle_timeout);
    auto [ec, n] = co_await s_.client_.async_read_some(in.prepare(kBodyRead), nothrow);
    if (ec) {
      if (s_.client_dog_.expired()) x.error_status = 408, x.error_cause = "request body not received in time";
      break;
    }
    in.commit(n);
    auto step = request.parse_body(in.readable());
    if (step.error) {
      x.error_status = 400;
      x.error_cause = step.error;
      break;
    }
    out_.clear();
    add_body_pieces(out_, sizes_, request.pieces(), chunked);
    if (step.complete && chunked) out_.push_back(asio::buffer(kLastChunk));
    x.copy_request_body(request.pieces());
    auto [wec, wn] = co_await writer_.write(up.stream, out_, nothrow);
    if (wec) {  // the upstream stopped reading: its early answer (a 413, say) may be on the way
      x.close_after = true;
      co_return;
    }
    x.metrics.request_written();
    x.metrics.request_bytes(step.consumed);
    in.consume(step.consumed);
    request.clear_pieces();
    if (step.complete) {
      x.request_done = true;
      co_return;
    }
  }
  // The request cannot be finished: the upstream must not take a partial one as whole.
  x.close_after = true;
  boost::system::error_code ignored;
  up.stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  up.stream.cancel();
}

void UpstreamRequest::shed_memory() {
  std::string().swap(head_);
  decltype(out_)().swap(out_);
  decltype(sizes_)().swap(sizes_);
}

}  // namespace reprise::proxy
