#include "proxy/ResponseRelay.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "net/Nothrow.hpp"
#include "net/SocketOptions.hpp"
#include "proxy/BodyPieces.hpp"
#include "proxy/ClientSession.hpp"
#include "proxy/ProxyWorker.hpp"
#include "proxy/Tunnel.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using http::BodyKind;
using net::nothrow;

namespace {
// Heads are read in small pieces (most fit); bodies in growing ones (net::ReadSize), freed while
// a stream waits.
constexpr size_t kHeadRead = 4096;
}  // namespace

ResponseRelay::ResponseRelay(ClientSession& session) : s_(session), up_dog_(session.client_.get_executor()) {}

bool ResponseRelay::upstream_reusable() const {
  const auto& res = response_.head();
  return res.keep_alive && res.body != BodyKind::until_close && up_in_.empty();
}

awaitable<Outcome> ResponseRelay::whole(net::UpstreamConnection& up) {
  Outcome outcome = co_await head(up, Holding::never);
  if (outcome != Outcome::body_next) co_return outcome;
  co_return co_await body(up, Holding::never);
}

awaitable<ResponseRelay::HeadResult> ResponseRelay::read_head(net::UpstreamConnection& up, size_t& head_len) {
  const auto& cfg = s_.worker_.config();
  size_t scanned = 0;
  for (;;) {
    auto scan = response_.find_head_end(up_in_.readable(), scanned, cfg.max_header_size);
    if (scan.error) co_return HeadResult::malformed;
    if (scan.length) {
      head_len = scan.length;
      break;
    }
    auto [ec, n] = co_await up.stream.async_read_some(up_in_.prepare(kHeadRead), nothrow);
    if (ec)
      co_return up_dog_.expired() ? HeadResult::timed_out
      : up_in_.empty()            ? HeadResult::closed
                                  : HeadResult::malformed;
    up_in_.commit(n);
    s_.x_.metrics.first_byte();
  }
  if (response_.parse_head(up_in_.readable().substr(0, head_len), s_.x_.head_request))
    co_return HeadResult::malformed;
  co_return HeadResult::ok;
}

awaitable<Outcome> ResponseRelay::head(net::UpstreamConnection& up, Holding holding) {
  const auto& cfg = s_.worker_.config();
  auto& x = s_.x_;
  up_dog_.watch(up.stream.socket());
  up_in_.clear();
  cut_.end();
  size_t head_len = 0;
  for (;;) {  // interim 1xx answers (100 Continue) go to the client as they come
    up_dog_.arm(cfg.response_timeout);
    HeadResult got = co_await read_head(up, head_len);
    if (got != HeadResult::ok && x.error_status) {
      co_await s_.reply_error(x.error_status, x.error_cause);
      co_return Outcome::failed;
    }
    if (got == HeadResult::timed_out) x.metrics.timed_out();
    if (got == HeadResult::timed_out) co_await s_.reply_error(504, "upstream response timed out");
    if (got == HeadResult::malformed) co_await s_.reply_error(502, "upstream sent a malformed response");
    if (got == HeadResult::closed) co_return Outcome::retryable;
    if (got != HeadResult::ok) co_return Outcome::failed;
    int status = response_.head().status;
    if (status >= 200 || status == 101) break;
    if (!x.client_http10) {
      http::write_response_head(head_, response_.head(), false, false, cfg.forwarding, false, false);
      auto [ec, n] = co_await asio::async_write(s_.client_, asio::buffer(head_), nothrow);
      if (ec) co_return Outcome::failed;
    }
    up_in_.consume(head_len);
  }
  co_return co_await final_head(up, head_len, holding);
}

awaitable<Outcome> ResponseRelay::final_head(net::UpstreamConnection& up, size_t head_len, Holding holding) {
  const auto& cfg = s_.worker_.config();
  auto& x = s_.x_;
  const auto& head = response_.head();
  x.status = head.status;
  x.copy_response_head(head, up_in_.readable().substr(0, head_len));
  const auto content_type = head.header("content-type");
  x.metrics.response_head(head.status, content_type);
  cut_.begin(x.faults, content_type);
  if (head.status == 101) {
    if (!x.websocket || !x.request_done) {  // a tunnel cannot start while a request body still streams
      co_await s_.reply_error(502, "upstream switched protocols unasked");
      co_return Outcome::failed;
    }
    http::write_response_head(head_, head, false, false, cfg.forwarding, true, false);
    up_in_.consume(head_len);
    up_dog_.disarm();
    x.metrics.tunnel_started();
    auto [ec, n] = co_await asio::async_write(s_.client_, asio::buffer(head_), nothrow);
    x.metrics.response_bytes(n);
    if (ec) co_return Outcome::failed;
    x.response_started = true;
    s_.log_exchange();
    s_.client_dog_.disarm();
    shed_memory();  // both heads are out: a tunnel keeps only what it copies
    tunnel_ = start_tunnel(s_.client_, s_.in_, up.stream, up_in_, x.rec, x.metrics);
    // The worker holds the session until the tunnel is over: a tunnel keeps no frame.
    if (holding != Holding::never && !tunnel_->over()) co_return Outcome::held;
    co_await await_tunnel(*tunnel_, s_.client_, up.stream);
    tunnel_.reset();
    co_return Outcome::failed;  // a tunnel ends both connections
  }
  // An HTTP/1.0 client cannot take chunks: a body of unknown length ends with the connection.
  bool unknown_length = head.body == BodyKind::chunked || head.body == BodyKind::until_close;
  x.chunked_out = unknown_length && !x.client_http10;
  x.close_after =
      !x.client_keep_alive || s_.closing() || !x.request_done || (unknown_length && x.client_http10);
  http::write_response_head(head_, head, x.chunked_out, x.close_after, cfg.forwarding, false,
                            x.client_http10);
  up_in_.consume(head_len);
  if (x.faults.any()) co_await x.faults.before_answer(s_.fault_points_);
  x.response_started = true;
  co_return Outcome::body_next;  // the head goes out with the first piece of body
}

awaitable<Outcome> ResponseRelay::body(net::UpstreamConnection& up, Holding holding) {
  const auto& cfg = s_.worker_.config();
  auto& x = s_.x_;
  struct StopWatching {
    ResponseRelay& r;
    bool held = false;  // the watch goes on while the worker holds the session
    ~StopWatching() {
      if (held) return;
      r.stop_watching_client();
      r.cut_.end();  // the fault that cut it ends with this exchange
    }
  } stop_watching{*this};  // every way out, so the watch handler never outlives this relay
  const bool resumed = holding == Holding::resumed;
  bool head_pending = !resumed;
  bool eof = false;
  if (!resumed) read_size_.restart();
  // A resumed stream starts where its wait ended: the upstream is readable, or the deadline or
  // the client's leaving woke it.
  Read got = resumed ? read_after_wait(up, woken_by_) : Read::data;
  for (bool relay = !resumed;; relay = true) {
    if (relay) {
      http::MessageParser::BodyStep step{0, true, nullptr};
      if (eof)
        step = response_.finish();
      else if (response_.head().body != BodyKind::none)
        step = response_.parse_body(up_in_.readable());
      if (step.error) {
        if (head_pending)
          co_await s_.reply_error(502, "upstream sent a malformed body");
        else
          end_cut_short();
        co_return Outcome::failed;
      }
      if (step.complete) x.metrics.upstream_done();
      out_.clear();
      if (head_pending) out_.push_back(asio::buffer(head_));
      bool cut = false;
      const auto& pieces = cut_.active() ? cut_.pass(response_.pieces(), cut) : response_.pieces();
      add_body_pieces(out_, sizes_, pieces, x.chunked_out);
      x.copy_response_body(pieces);
      x.metrics.response_body(pieces);
      if (step.complete && x.chunked_out && !cut) out_.push_back(asio::buffer(kLastChunk));
      if (!out_.empty()) {
        s_.client_dog_.arm(cfg.idle_timeout);
        auto [ec, n] = co_await s_.to_client_.write(s_.client_, out_, nothrow);
        x.metrics.response_bytes(n);
        if (ec) co_return Outcome::failed;
        x.bytes_out += n;
        head_pending = false;
      }
      if (cut) {  // sse_drop: the stream ends after its last whole event
        s_.log_exchange();
        co_return Outcome::failed;
      }
      up_in_.consume(step.consumed);
      response_.clear_pieces();
      if (step.complete) co_return Outcome::done;
      if (cut_.due()) {  // sse_drop's time is up
        s_.log_exchange();
        co_return Outcome::failed;
      }
      if (x.request_done) s_.client_dog_.disarm();  // else it guards the body pump beside us
      up_dog_.arm(cut_.active() ? std::min<std::chrono::steady_clock::duration>(
                                      cfg.response_timeout, cut_.at() - std::chrono::steady_clock::now())
                                : std::chrono::steady_clock::duration(cfg.response_timeout));
      got = read_upstream(up);
    }
    while (got == Read::nothing_yet) {
      // The stream waits: hand back what only starting it needed (once the request is all sent:
      // the pump owns those buffers until then), and watch the client too.
      if (x.request_done) {
        shed_memory();
        if (!watch_) watch_client(up.stream.socket());
        if (watch_->client_gone) {  // it left while the last piece was being written to it
          got = Read::failed;
          break;
        }
        // Its coroutines end here and the worker holds the session until the upstream is
        // readable (or the deadline or the client's leaving wakes it): a held stream keeps no frame.
        if (holding != Holding::never) {
          stop_watching.held = true;
          co_return Outcome::held;
        }
      }
      // A plain wait (a wake for nothing only means another read that finds nothing): one
      // syscall fewer than async_wait_readable's peek.
      auto [wec] = co_await up.stream.socket().async_wait(
          tcp::socket::wait_read, asio::bind_allocator(net::held_wait, net::nothrow_awaitable));
      got = read_after_wait(up, wec);
    }
    if (got == Read::failed && cut_.due()) {  // sse_drop's time is up
      s_.log_exchange();
      co_return Outcome::failed;
    }
    if (got == Read::failed && up_dog_.expired()) x.metrics.timed_out();  // silent past --response-timeout
    if (got == Read::failed) {
      end_cut_short();
      co_return Outcome::failed;
    }
    eof = got == Read::eof;
  }
}

// After a wait for the upstream: its error (the deadline cancels the wait) or the client's
// leaving ends the stream; else whatever is there is read.
ResponseRelay::Read ResponseRelay::read_after_wait(net::UpstreamConnection& up, boost::system::error_code ec) {
  if (ec || (watch_ && watch_->client_gone)) return Read::failed;
  return read_upstream(up);
}

Outcome ResponseRelay::tunnel_woken(net::UpstreamConnection& up) {
  if (!over_or_ended(*tunnel_, s_.client_, up.stream)) return Outcome::held;
  tunnel_.reset();
  return Outcome::failed;  // a tunnel ends both connections
}

// The upstream's body ended short, after the head went out. Chunks and a Content-Length let the
// client see that for itself; a body the close delimits (to an HTTP/1.0 client, when its length
// was not known) would look whole after a FIN, so the client gets an RST.
void ResponseRelay::end_cut_short() {
  const auto body = response_.head().body;
  if (s_.x_.client_http10 && (body == BodyKind::chunked || body == BodyKind::until_close)) s_.reset_client();
}

// Reads what the upstream has without waiting (a plain call, not a coroutine: a held stream
// keeps one frame fewer).
ResponseRelay::Read ResponseRelay::read_upstream(net::UpstreamConnection& up) {
  boost::system::error_code ec;
  auto space = up_in_.prepare(read_size_.next());
  size_t n = up.stream.read_some(space, ec);
  if (!ec) {
    up_in_.commit(n);
    read_size_.got(n, space.size());
    return Read::data;
  }
  if (net::is_end_of_stream(ec)) return Read::eof;
  return ec == asio::error::would_block ? Read::nothing_yet : Read::failed;
}

// While a stream waits for its next event, everything that was only needed to start it goes
// back to the allocator: both heads were written, so their text and header lists are done with.
void ResponseRelay::shed_memory() {
  up_in_.release();
  std::string().swap(head_);
  response_.release_headers();
  decltype(out_)().swap(out_);
  decltype(sizes_)().swap(sizes_);
  s_.in_.release();
  s_.request_.release_headers();
  s_.upstream_.shed_memory();
}

// One plain handler rather than a coroutine race: a stream held for minutes keeps only this.
void ResponseRelay::watch_client(tcp::socket& upstream) {
  watch_ = std::make_shared<ClientWatch>();
  watch_->upstream = &upstream;
  s_.client_.async_wait_readable(asio::bind_allocator(
      net::held_wait, [watch = watch_](const boost::system::error_code& ec, size_t peeked) {
        if (!watch->upstream || ec == asio::error::operation_aborted) return;
        if (!ec && peeked == 1) return;  // the next pipelined request: it waits its turn
        watch->client_gone = true;       // its FIN or its reset
        net::Ring::cancel_pending(*watch->upstream);
      }));
}

void ResponseRelay::stop_watching_client() {
  if (!watch_) return;
  watch_->upstream = nullptr;  // a completion already queued finds this and does nothing
  watch_.reset();
  // The wait itself goes too (else pipelined streams pile waits up). Nothing else is pending on
  // the client now: the request was all read before the watch began.
  s_.client_.cancel();
}

}  // namespace reprise::proxy
