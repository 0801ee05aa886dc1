#include "proxy/ClientSession.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "net/BufferList.hpp"
#include "net/SocketOptions.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using http::BodyKind;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// Heads are read in small pieces (most fit); bodies in larger ones, freed while a stream waits.
constexpr size_t kHeadRead = 4096;
constexpr size_t kBodyRead = 65536;
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Copies one direction of a tunnel until EOF, then half-closes the other side.
awaitable<void> copy_until_eof(tcp::socket& from, net::ByteBuffer& buf, tcp::socket& to,
                               ExchangeRecording& rec, ExchangeMetrics& metrics, char dir) {
  for (;;) {
    if (!buf.empty()) {
      rec.tunnel_bytes(dir, buf.readable());
      auto [ec, n] = co_await asio::async_write(to, asio::buffer(buf.readable()), nothrow);
      metrics.tunnel_bytes(dir, n);
      if (ec) break;
      buf.clear();
    }
    auto [ec, n] = co_await from.async_read_some(buf.prepare(kBodyRead), nothrow);
    if (ec) break;
    buf.commit(n);
  }
  boost::system::error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

ClientSession::ClientSession(ProxyWorker& worker, tcp::socket socket)
    : worker_(worker),
      client_(std::move(socket)),
      client_dog_(client_),
      up_dog_(client_.get_executor()),
      metrics_(worker.stats()),
      fault_timer_(client_.get_executor()),
      pump_timer_(client_.get_executor()) {
  boost::system::error_code ec;
  auto ep = client_.remote_endpoint(ec);
  client_ip_ = ec ? "unknown" : ep.address().to_string();
  net::tune(client_);
  if (worker_.config().recorder) session_name_ = worker_.next_session_name();
  worker_.add(this);
}

ClientSession::~ClientSession() { worker_.remove(this); }

void ClientSession::close_if_idle() {
  closing_ = true;
  boost::system::error_code ignored;
  if (idle_) client_.cancel(ignored);
}

awaitable<void> ClientSession::run() {
  size_t head_len = 0;
  // One co_await per statement: GCC 12 miscompiles co_await inside && chains.
  while (!closing_) {
    bool have_request = co_await read_request_head(head_len);
    if (!have_request) break;
    bool keep_alive = co_await forward(head_len);
    if (!keep_alive || worker_.draining()) break;
  }
  boost::system::error_code ignored;
  client_.shutdown(tcp::socket::shutdown_both, ignored);
  client_.close(ignored);
}

awaitable<bool> ClientSession::read_request_head(size_t& head_len) {
  const auto& cfg = worker_.config();
  x_.method.clear();
  x_.target.clear();
  x_.response_started = false;
  x_.status = 0;
  if (effects_.any()) effects_ = faults::Effects();  // the previous exchange's, not this one's
  size_t scanned = 0;
  idle_ = in_.empty();
  client_dog_.arm(idle_ ? cfg.idle_timeout : cfg.header_timeout);
  for (;;) {
    auto scan = request_.find_head_end(in_.readable(), scanned, cfg.max_header_size);
    if (scan.error) {
      co_await reply_error(scan.too_large ? 431 : 400, scan.error);
      co_return false;
    }
    if (scan.length) {
      head_len = scan.length;
      break;
    }
    auto [ec, n] = co_await client_.async_read_some(in_.prepare(kHeadRead), nothrow);
    if (ec) {
      if (!idle_ && client_dog_.expired()) co_await reply_error(408, "request head not received in time");
      co_return false;
    }
    in_.commit(n);
    if (idle_) {
      idle_ = false;
      client_dog_.arm(cfg.header_timeout);
    }
  }
  if (const char* err = request_.parse_head(in_.readable().substr(0, head_len))) {
    co_await reply_error(400, err);
    co_return false;
  }
  const auto& head = request_.head();
  if (head.version_major != 1 || head.version_minor > 1) {
    co_await reply_error(505, "only HTTP/1.0 and HTTP/1.1 are proxied");
    co_return false;
  }
  if (head.method == "CONNECT") {  // llhttp takes what follows as a tunnel: never forward it
    co_await reply_error(501, "CONNECT is not supported by a reverse proxy");
    co_return false;
  }
  co_return true;
}

awaitable<bool> ClientSession::forward(size_t head_len) {
  const auto& head = request_.head();
  const auto& cfg = worker_.config();
  x_.method.assign(head.method);
  x_.target.assign(head.target);
  x_.head_request = head.is_head_request();
  x_.client_keep_alive = head.keep_alive;
  x_.client_http10 = head.version_major == 1 && head.version_minor == 0;
  x_.websocket = head.upgrade && http::has_token(head.header("upgrade"), "websocket");
  x_.request_done = x_.close_after = false;  // response_started and status: read_request_head
  x_.error_status = 0;
  x_.bytes_out = 0;
  x_.start = std::chrono::steady_clock::now();
  metrics_.begin(x_.method, x_.target, x_.start, head_len);
  worker_.choose_faults(head, effects_);
  bool has_body = head.body != BodyKind::none;
  // Only a request that may be repeated (RFC 9110 §9.2.2) is sent again after a stale connection.
  bool idempotent = head.method == "GET" || head.method == "HEAD" || head.method == "OPTIONS" ||
                    head.method == "TRACE" || head.method == "PUT" || head.method == "DELETE";
  if (cfg.recorder && cfg.recorder->recording())
    rec_.begin(*cfg.recorder, worker_.index(), session_name_, in_.readable().substr(0, head_len), x_.start);
  http::write_request_head(request_head_, head, client_ip_, cfg.forwarding, x_.websocket);
  in_.consume(head_len);  // the head's views die here; request_head_ holds what goes upstream
  if (effects_.any()) {
    FaultStep step = co_await act_before_upstream(has_body);
    if (step != FaultStep::go_on) {
      rec_.end(worker_.index());
      metrics_.end();
      co_return step == FaultStep::answered && !x_.close_after;
    }
  }

  for (int tries = 0;; ++tries) {
    auto got = co_await worker_.pool().acquire();
    if (!got.connection) {
      metrics_.connect_failed(got.timed_out);
      if (got.timed_out)
        co_await reply_error(504, "upstream connect timed out");
      else
        co_await reply_error(502, "upstream connect failed: " + got.error.message());
      rec_.end(worker_.index());  // recorded without a response: the upstream never answered
      metrics_.end();
      co_return false;
    }
    net::UpstreamConnection& up = *got.connection;
    Outcome outcome = co_await attempt(up, has_body);
    if (outcome == Outcome::body_next) {
      // Relayed from here, not from inside attempt(): a held stream keeps two frames fewer.
      bool relayed = co_await relay_body(up);
      outcome = relayed ? Outcome::done : Outcome::failed;
    }
    up_dog_.unwatch();  // `up` dies or goes back to the pool
    if (outcome == Outcome::retryable && up.reused && !has_body && idempotent && tries == 0) continue;
    rec_.end(worker_.index());
    if (outcome == Outcome::retryable)
      co_await reply_error(502, "upstream closed the connection without answering");
    metrics_.end();
    if (outcome != Outcome::done) co_return false;
    log_exchange();
    const auto& res = response_.head();
    if (res.keep_alive && res.body != BodyKind::until_close && up_in_.empty() && x_.request_done)
      worker_.pool().release(std::move(up.socket));
    if (effects_.close_delay.count() > 0) {  // slow_close: the answer is out, the close waits
      co_await pause(effects_.close_delay, fault_timer_);
      co_return false;
    }
    co_return x_.request_done && !x_.close_after;
  }
}

awaitable<ClientSession::Outcome> ClientSession::attempt(net::UpstreamConnection& up, bool has_body) {
  up_out_.clear();
  up_out_.push_back(asio::buffer(request_head_));
  http::MessageParser::BodyStep step{0, !has_body, nullptr};
  bool chunked = request_.head().body == BodyKind::chunked;
  if (has_body) {
    step = request_.parse_body(in_.readable());
    if (step.error) {
      co_await reply_error(400, step.error);
      co_return Outcome::failed;
    }
    add_pieces(up_out_, up_sizes_, request_.pieces(), chunked);
    if (step.complete && chunked) up_out_.push_back(asio::buffer(kLastChunk));
    rec_.request_body(request_.pieces());
  }
  up_dog_.watch(up.socket);
  up_dog_.arm(worker_.config().response_timeout);
  std::pair<boost::system::error_code, size_t> wrote;
  if (effects_.to_upstream.bytes) {
    wrote = co_await write_paced(up.socket, up_out_, effects_.to_upstream, fault_timer_);
  } else {
    auto [wec, wn] = co_await asio::async_write(up.socket, net::view(up_out_), nothrow);
    wrote = {wec, wn};
  }
  auto [ec, n] = wrote;
  if (ec) co_return has_body ? Outcome::failed : Outcome::retryable;
  metrics_.request_written();
  metrics_.request_bytes(step.consumed);
  in_.consume(step.consumed);
  request_.clear_pieces();
  x_.request_done = step.complete;
  if (step.complete) co_return co_await relay_head(up);
  co_return co_await relay_beside_pump(up, chunked);
}

// The rest of the body streams up while the answer (perhaps 100 Continue) streams down. Its own
// coroutine, so that the frame of every other exchange stays small.
awaitable<ClientSession::Outcome> ClientSession::relay_beside_pump(net::UpstreamConnection& up,
                                                                   bool chunked) {
  co_await (pump_request_body(up, chunked) && relay_then_stop_pump(up));
  co_return relay_outcome_;
}

awaitable<void> ClientSession::relay_then_stop_pump(net::UpstreamConnection& up) {
  relay_outcome_ = co_await relay_response(up);
  boost::system::error_code ignored;
  if (!x_.request_done) client_.cancel(ignored);  // the answer is complete: stop waiting for the body
}

awaitable<void> ClientSession::pump_request_body(net::UpstreamConnection& up, bool chunked) {
  const auto& cfg = worker_.config();
  for (;;) {
    client_dog_.arm(cfg.idle_timeout);
    auto [ec, n] = co_await client_.async_read_some(in_.prepare(kBodyRead), nothrow);
    if (ec) {
      if (client_dog_.expired()) x_.error_status = 408, x_.error_cause = "request body not received in time";
      break;
    }
    in_.commit(n);
    auto step = request_.parse_body(in_.readable());
    if (step.error) {
      x_.error_status = 400;
      x_.error_cause = step.error;
      break;
    }
    up_out_.clear();
    add_pieces(up_out_, up_sizes_, request_.pieces(), chunked);
    if (step.complete && chunked) up_out_.push_back(asio::buffer(kLastChunk));
    rec_.request_body(request_.pieces());
    std::pair<boost::system::error_code, size_t> wrote;
    if (effects_.to_upstream.bytes) {  // beside the relay, which may pause on fault_timer_
      wrote = co_await write_paced(up.socket, up_out_, effects_.to_upstream, pump_timer_);
    } else {
      auto [e, n] = co_await asio::async_write(up.socket, net::view(up_out_), nothrow);
      wrote = {e, n};
    }
    auto [wec, wn] = wrote;
    if (wec) {  // the upstream stopped reading: its early answer (a 413, say) may be on the way
      x_.close_after = true;
      co_return;
    }
    metrics_.request_written();
    metrics_.request_bytes(step.consumed);
    in_.consume(step.consumed);
    request_.clear_pieces();
    if (step.complete) {
      x_.request_done = true;
      co_return;
    }
  }
  // The request cannot be finished: the upstream must not take a partial one as whole.
  x_.close_after = true;
  boost::system::error_code ignored;
  up.socket.shutdown(tcp::socket::shutdown_both, ignored);
  up.socket.cancel(ignored);
}

awaitable<ClientSession::HeadResult> ClientSession::read_response_head(net::UpstreamConnection& up,
                                                                       size_t& head_len) {
  const auto& cfg = worker_.config();
  size_t scanned = 0;
  for (;;) {
    auto scan = response_.find_head_end(up_in_.readable(), scanned, cfg.max_header_size);
    if (scan.error) co_return HeadResult::malformed;
    if (scan.length) {
      head_len = scan.length;
      break;
    }
    auto [ec, n] = co_await up.socket.async_read_some(up_in_.prepare(kHeadRead), nothrow);
    if (ec)
      co_return up_dog_.expired() ? HeadResult::timed_out
      : up_in_.empty()            ? HeadResult::closed
                                  : HeadResult::malformed;
    up_in_.commit(n);
    metrics_.first_byte();
  }
  if (response_.parse_head(up_in_.readable().substr(0, head_len), x_.head_request))
    co_return HeadResult::malformed;
  co_return HeadResult::ok;
}

awaitable<ClientSession::Outcome> ClientSession::relay_response(net::UpstreamConnection& up) {
  Outcome outcome = co_await relay_head(up);
  if (outcome != Outcome::body_next) co_return outcome;
  bool relayed = co_await relay_body(up);
  co_return relayed ? Outcome::done : Outcome::failed;
}

awaitable<ClientSession::Outcome> ClientSession::relay_head(net::UpstreamConnection& up) {
  const auto& cfg = worker_.config();
  up_dog_.watch(up.socket);
  up_in_.clear();
  size_t head_len = 0;
  for (;;) {  // interim 1xx answers (100 Continue) go to the client as they come
    up_dog_.arm(cfg.response_timeout);
    HeadResult got = co_await read_response_head(up, head_len);
    if (got != HeadResult::ok && x_.error_status) {
      co_await reply_error(x_.error_status, x_.error_cause);
      co_return Outcome::failed;
    }
    if (got == HeadResult::timed_out) metrics_.timed_out();
    if (got == HeadResult::timed_out) co_await reply_error(504, "upstream response timed out");
    if (got == HeadResult::malformed) co_await reply_error(502, "upstream sent a malformed response");
    if (got == HeadResult::closed) co_return Outcome::retryable;
    if (got != HeadResult::ok) co_return Outcome::failed;
    int status = response_.head().status;
    if (status >= 200 || status == 101) break;
    if (!x_.client_http10) {
      http::write_response_head(response_head_, response_.head(), false, false, cfg.forwarding, false, false);
      auto [ec, n] = co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
      if (ec) co_return Outcome::failed;
    }
    up_in_.consume(head_len);
  }
  const auto& head = response_.head();
  x_.status = head.status;
  rec_.response_head(head, up_in_.readable().substr(0, head_len));
  metrics_.response_head(head.status, head.header("content-type"));
  cutting_stream_ = (effects_.cut_after_events > 0 || effects_.cut_after.count() > 0) &&
                    head.header("content-type").starts_with("text/event-stream");
  if (cutting_stream_) {
    events_seen_ = 0;
    after_newline_ = false;
    stream_cut_at_ = effects_.cut_after.count() > 0 ? std::chrono::steady_clock::now() + effects_.cut_after
                                                    : std::chrono::steady_clock::time_point::max();
  }
  if (head.status == 101) {
    if (!x_.websocket || !x_.request_done) {  // a tunnel cannot start while a request body still streams
      co_await reply_error(502, "upstream switched protocols unasked");
      co_return Outcome::failed;
    }
    http::write_response_head(response_head_, head, false, false, cfg.forwarding, true, false);
    up_in_.consume(head_len);
    up_dog_.disarm();
    metrics_.tunnel_started();
    co_await tunnel(up);
    co_return Outcome::failed;  // a tunnel ends both connections
  }
  // An HTTP/1.0 client cannot take chunks: a body of unknown length ends with the connection.
  bool unknown_length = head.body == BodyKind::chunked || head.body == BodyKind::until_close;
  x_.chunked_out = unknown_length && !x_.client_http10;
  x_.close_after = !x_.client_keep_alive || closing_ || worker_.draining() || !x_.request_done ||
                   (unknown_length && x_.client_http10);
  http::write_response_head(response_head_, head, x_.chunked_out, x_.close_after, cfg.forwarding, false,
                            x_.client_http10);
  up_in_.consume(head_len);
  if (effects_.response_delay.count() > 0) co_await pause(effects_.response_delay, fault_timer_);
  x_.response_started = true;
  co_return Outcome::body_next;  // the head goes out with the first piece of body
}

awaitable<bool> ClientSession::relay_body(net::UpstreamConnection& up) {
  const auto& cfg = worker_.config();
  const bool chunked_out = x_.chunked_out;
  struct StopWatching {
    ClientSession& s;
    ~StopWatching() { s.stop_watching_client(); }
  } stop_watching{*this};  // every way out, so the watch handler never outlives this relay
  bool head_pending = true;
  bool eof = false;
  read_size_ = kHeadRead;
  for (;;) {
    http::MessageParser::BodyStep step{0, true, nullptr};
    if (eof)
      step = response_.finish();
    else if (response_.head().body != BodyKind::none)
      step = response_.parse_body(up_in_.readable());
    if (step.error) {
      if (head_pending) co_await reply_error(502, "upstream sent a malformed body");
      co_return false;
    }
    if (step.complete) metrics_.upstream_done();
    out_.clear();
    if (head_pending) out_.push_back(asio::buffer(response_head_));
    const bool cut = cutting_stream_ && cut_events();
    const auto& pieces = cutting_stream_ ? stream_pieces_ : response_.pieces();
    add_pieces(out_, sizes_, pieces, chunked_out);
    rec_.response_body(pieces);
    metrics_.response_body(pieces);
    if (step.complete && chunked_out && !cut) out_.push_back(asio::buffer(kLastChunk));
    if (!out_.empty()) {
      client_dog_.arm(cfg.idle_timeout);
      std::pair<boost::system::error_code, size_t> wrote;
      if (effects_.to_client.bytes) {
        wrote = co_await write_paced(client_, out_, effects_.to_client, fault_timer_);
      } else {
        auto [wec, wn] = co_await asio::async_write(client_, net::view(out_), nothrow);
        wrote = {wec, wn};
      }
      auto [ec, n] = wrote;
      metrics_.response_bytes(n);
      if (ec) co_return false;
      x_.bytes_out += n;
      head_pending = false;
    }
    if (cut) {  // sse_drop: the stream ends after its last whole event
      log_exchange();
      co_return false;
    }
    up_in_.consume(step.consumed);
    response_.clear_pieces();
    if (step.complete) co_return true;
    if (x_.request_done) client_dog_.disarm();  // else it guards the body pump beside us
    if (stream_cut_due()) {
      log_exchange();
      co_return false;
    }
    up_dog_.arm(cutting_stream_ ? std::min<std::chrono::steady_clock::duration>(
                                      cfg.response_timeout, stream_cut_at_ - std::chrono::steady_clock::now())
                                : std::chrono::steady_clock::duration(cfg.response_timeout));
    Read got = read_upstream(up);
    while (got == Read::nothing_yet) {
      // The stream waits: hand back what only starting it needed (once the request is all
      // sent: the pump owns those buffers until then), and watch the client too.
      if (x_.request_done) {
        shed_memory();
        if (!watch_) watch_client(up.socket);
      }
      auto [wec] = co_await up.socket.async_wait(tcp::socket::wait_read, nothrow);
      got = (wec || (watch_ && watch_->client_gone)) ? Read::failed : read_upstream(up);
    }
    if (got == Read::failed && stream_cut_due()) {  // sse_drop's time is up
      log_exchange();
      co_return false;
    }
    if (got == Read::failed && up_dog_.expired()) metrics_.timed_out();  // silent past --response-timeout
    if (got == Read::failed) co_return false;
    eof = got == Read::eof;
  }
}

// Reads what the upstream has without waiting (a plain call, not a coroutine: a held stream
// keeps one frame fewer).
ClientSession::Read ClientSession::read_upstream(net::UpstreamConnection& up) {
  boost::system::error_code ec;
  auto space = up_in_.prepare(read_size_);
  size_t n = up.socket.read_some(space, ec);
  if (!ec) {
    up_in_.commit(n);
    if (n == space.size() && read_size_ < kBodyRead) read_size_ *= 2;  // a big body: read more at a time
    return Read::data;
  }
  if (ec == asio::error::eof) return Read::eof;
  return ec == asio::error::would_block ? Read::nothing_yet : Read::failed;
}

// While a stream waits for its next event, everything that was only needed to start it goes
// back to the allocator: both heads were written, so their text and header lists are done with.
void ClientSession::shed_memory() {
  up_in_.release();
  in_.release();
  std::string().swap(request_head_);
  std::string().swap(response_head_);
  request_.release_headers();
  response_.release_headers();
  decltype(out_)().swap(out_);
  decltype(up_out_)().swap(up_out_);
  decltype(sizes_)().swap(sizes_);
  decltype(up_sizes_)().swap(up_sizes_);
}

// One plain handler rather than a coroutine race: a stream held for minutes keeps only this.
void ClientSession::watch_client(tcp::socket& upstream) {
  watch_ = std::make_shared<ClientWatch>();
  watch_->upstream = &upstream;
  client_.async_wait(tcp::socket::wait_read,
                     [watch = watch_, fd = client_.native_handle()](const boost::system::error_code& ec) {
                       if (ec || !watch->upstream) return;
                       char byte;
                       ssize_t peeked = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                       if (peeked > 0 || (peeked < 0 && errno == EAGAIN))
                         return;  // the next pipelined request: it waits its turn
                       watch->client_gone = true;
                       boost::system::error_code ignored;
                       watch->upstream->cancel(ignored);
                     });
}

void ClientSession::stop_watching_client() {
  if (!watch_) return;
  watch_->upstream = nullptr;  // a completion already queued finds this and does nothing
  watch_.reset();
  // The wait itself goes too (else pipelined streams pile waits up). Nothing else is pending on
  // the client now: the request was all read before the watch began.
  boost::system::error_code ignored;
  client_.cancel(ignored);
}

awaitable<void> ClientSession::tunnel(net::UpstreamConnection& up) {
  auto [ec, n] = co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
  metrics_.response_bytes(n);
  if (ec) co_return;
  x_.response_started = true;
  log_exchange();
  client_dog_.disarm();
  co_await (copy_until_eof(client_, in_, up.socket, rec_, metrics_, 'u') &&
            copy_until_eof(up.socket, up_in_, client_, rec_, metrics_, 'd'));
}

awaitable<void> ClientSession::reply_error(int status, std::string_view cause) {
  x_.status = status;
  closing_ = true;
  spdlog::warn("{} \"{} {}\": {} {}", client_ip_, x_.method, x_.target, status, cause);
  if (x_.response_started) co_return;
  x_.response_started = true;
  metrics_.answered(status);
  http::write_error_response(response_head_, status, cause, true);
  client_dog_.arm(worker_.config().idle_timeout);
  auto [ec, n] = co_await asio::async_write(client_, asio::buffer(response_head_), nothrow);
  metrics_.response_bytes(n);
  log_exchange();
}

void ClientSession::add_pieces(std::vector<asio::const_buffer>& out, std::vector<std::array<char, 20>>& sizes,
                               const std::vector<std::string_view>& pieces, bool chunked) {
  if (!chunked) {
    for (auto p : pieces)
      if (!p.empty()) out.push_back(asio::buffer(p));
    return;
  }
  if (sizes.size() < pieces.size()) sizes.resize(pieces.size());  // before any buffer points into it
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].empty()) continue;  // an empty chunk would end the body
    size_t len = http::write_chunk_size(sizes[i].data(), pieces[i].size());
    out.push_back(asio::buffer(sizes[i].data(), len));
    out.push_back(asio::buffer(pieces[i]));
    out.push_back(asio::buffer("\r\n", 2));
  }
}

void ClientSession::log_exchange() {
  const auto& log = worker_.config().access_log;
  if (!log) return;
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - x_.start);
  std::string faults;
  for (const auto& name : effects_.names) faults += (faults.empty() ? " fault=" : ",") + name;
  log->info("{} \"{} {}\" {} {} {:.3f}ms{}", client_ip_, x_.method, x_.target, x_.status, x_.bytes_out,
            static_cast<double>(us.count()) / 1000.0, faults);
}

}  // namespace reprise::proxy
