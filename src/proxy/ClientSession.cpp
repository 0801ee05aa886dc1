#include "proxy/ClientSession.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "net/Nothrow.hpp"
#include "net/SocketOptions.hpp"
#include "net/Tls.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using net::nothrow;

namespace {
constexpr size_t kHeadRead = 4096;  // most heads fit

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}
}  // namespace

// A new connection: the parked form with no name yet, and the handshake still to come.
ClientSession::ClientSession(ProxyWorker& worker, net::Stream client)
    : ClientSession(worker, ParkedConnection{std::move(client), {}, {}, {}}) {
  handshaken_ = false;
  boost::system::error_code ec;
  auto ep = client_.socket().remote_endpoint(ec);
  client_ip_ = ec ? std::string(kUnknownClient) : ep.address().to_string();
  net::tune(client_.socket());
  if (worker_.config().recorder || worker_.config().mirror) session_name_ = worker_.next_session_name();
}

ClientSession::ClientSession(ProxyWorker& worker, ParkedConnection&& parked)
    : worker_(worker),
      client_(std::move(parked.stream)),
      client_dog_(client_.socket()),
      client_ip_(std::move(parked.client_ip)),
      session_name_(std::move(parked.session_name)),
      x_(worker.stats()),
      fault_points_(*this),
      upstream_(*this),
      relay_(*this),
      handshaken_(true) {
  worker_.add(this);
}

ClientSession::~ClientSession() { worker_.remove(this); }

void ClientSession::close_if_idle() {
  closing_ = true;
  if (idle_) client_.cancel();
}

bool ClientSession::closing() const { return closing_ || worker_.draining(); }

awaitable<void> ClientSession::run() {
  size_t head_len = 0;
  bool resumed = parked_ == Parked::held;  // a held stream's wait has ended: its exchange goes on
  // One co_await per statement: GCC 12 miscompiles co_await inside && chains.
  if (client_.tls() && !handshaken_) {
    handshaken_ = co_await handshake();
    closing_ = !handshaken_;
  }
  while (resumed || !closing_) {
    if (!resumed) {
      bool have_request = co_await read_request_head(head_len);
      if (!have_request) break;
    }
    resumed = false;
    bool keep_alive = co_await forward(head_len);
    if (parked_ == Parked::held) co_return;  // the worker holds the session while the stream waits
    if (!keep_alive || worker_.draining()) break;
  }
  give_back_upstream();
  if (parked_ != Parked::idle) {
    client_.close();
    co_return;
  }
  client_dog_.disarm();
  auto rest = worker_.config().idle_timeout - kParkAfter;
  worker_.park({std::move(client_), std::move(client_ip_), std::move(session_name_),
                std::chrono::steady_clock::now() + rest});
}

// A TLS listener's client: its handshake within --header-timeout. Plain HTTP sent to it gets a
// plain 400 that says so (as nginx answers), not a TLS alert the client cannot read.
awaitable<bool> ClientSession::handshake() {
  client_dog_.arm(worker_.config().header_timeout);
  auto [wec, peeked] = co_await client_.async_wait_readable(nothrow);
  if (wec || peeked != 1) {
    client_dog_.disarm();
    co_return false;  // left, or silent past the timeout, before a byte
  }
  if (!net::starts_tls_handshake(client_.peeked())) {
    spdlog::warn("{}: plain HTTP sent to the TLS listener: answered 400 and closed", client_ip_);
    auto& text = relay_.answer_buffer();
    http::write_error_response(text, 400, "plain HTTP request sent to a TLS port: use https://", true);
    co_await asio::async_write(client_.socket(), asio::buffer(text), nothrow);
    client_dog_.disarm();
    co_return false;
  }
  auto [ec] = co_await client_.async_handshake(net::Stream::Side::server, nothrow);
  client_dog_.disarm();
  if (ec) spdlog::warn("{}: {}", client_ip_, client_dog_.expired() ? "TLS handshake timed out" : net::handshake_failure(client_, ec));
  co_return !ec;
}

awaitable<bool> ClientSession::read_request_head(size_t& head_len) {
  const auto& cfg = worker_.config();
  x_.method.clear();
  x_.target.clear();
  x_.response_started = false;
  x_.status = 0;
  if (x_.faults.any()) {  // the previous exchange's, not this one's
    relay_.end_cut();
    x_.faults.clear();
    x_.fault_wait = faults::Duration{0};
  }
  size_t scanned = 0;
  idle_ = in_.empty();
  // Idle: a session waits kParkAfter at most, then the connection is parked for the rest.
  const bool may_park = idle_ && cfg.idle_timeout > kParkAfter;
  client_dog_.arm(!idle_ ? cfg.header_timeout : may_park ? kParkAfter : cfg.idle_timeout);
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
    if (ec && idle_ && may_park && client_dog_.expired() && !closing()) {
      parked_ = Parked::idle;  // its buffers go with the session
      co_return false;
    }
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
  int status = 0;
  const char* cause = nullptr;
  if (refuse_request(head_len, status, cause)) {
    co_await reply_error(status, cause);
    co_return false;
  }
  co_return true;
}

// A head that is not forwarded: malformed, a version other than 1.x, CONNECT, or faulty framing.
bool ClientSession::refuse_request(size_t head_len, int& status, const char*& cause) {
  status = 400;
  if ((cause = request_.parse_head(in_.readable().substr(0, head_len)))) return true;
  auto refusal = http::request_head_error(request_.head());
  status = refusal.status, cause = refusal.cause;
  return cause != nullptr;
}

void ClientSession::start_exchange(size_t head_len) {
  const auto& head = request_.head();
  const auto& cfg = worker_.config();
  x_.method.assign(head.method);
  x_.target.assign(head.target);
  x_.head_request = head.is_head_request();
  x_.client_keep_alive = head.keep_alive;
  x_.client_http10 = head.version_major == 1 && head.version_minor == 0;
  x_.websocket = head.upgrade && http::has_token(head.header("upgrade"), "websocket");
  x_.has_body = head.body != http::BodyKind::none;
  x_.request_done = x_.close_after = false;  // response_started and status: read_request_head
  x_.error_status = 0;
  x_.bytes_out = 0;
  x_.start = std::chrono::steady_clock::now();
  x_.metrics.begin(x_.method, x_.target, x_.start, head_len);
  worker_.choose_faults(head, x_.faults);
  to_client_.pace(x_.faults.any() ? x_.faults.pacing(faults::Direction::downstream) : faults::Pacing());
  upstream_.pace(x_.faults.any() ? x_.faults.pacing(faults::Direction::upstream) : faults::Pacing());
  const auto raw_head = in_.readable().substr(0, head_len);
  if (cfg.recorder && cfg.recorder->recording())
    x_.rec.begin(*cfg.recorder, worker_.index(), session_name_, recorded_client(), head, raw_head, x_.start);
  if (cfg.mirror && worker_.mirrors(head, x_.websocket))
    x_.mirror.begin(*cfg.mirror, worker_.index(), session_name_, recorded_client(), head, raw_head, x_.start);
  http::write_request_head(upstream_.head(), head, client_ip_, cfg.forwarding, x_.websocket);
  in_.consume(head_len);  // the head's views die here; the upstream request's head holds what goes
}

awaitable<bool> ClientSession::forward(size_t head_len) {
  const bool resumed = parked_ == Parked::held;  // up_ is the held stream's, its body under way
  parked_ = Parked::no;
  if (!resumed) {
    start_exchange(head_len);
    if (x_.faults.any()) {
      faults::Next next = co_await x_.faults.before_upstream(fault_points_);
      if (next != faults::Next::go_on) {
        x_.end_copies();
        x_.metrics.end();
        co_return next == faults::Next::answered && !x_.close_after;
      }
    }
  }
  for (int tries = 0;; ++tries) {
    Outcome outcome = Outcome::failed;
    if (!resumed) {
      // A retry never takes another pooled connection: it may be as stale as the first.
      auto got = tries == 0 ? take_upstream() : net::UpstreamPool::Result{};
      if (!got.connection) got = co_await worker_.pool().connect();
      if (!got.connection) {
        co_await refuse_unreachable(got);
        co_return false;
      }
      up_ = std::move(got.connection);
      outcome = co_await upstream_.send(*up_);
      if (outcome == Outcome::body_next)  // relayed from here, not from inside send(): one frame fewer
        outcome = co_await relay_.body(*up_, ResponseRelay::Holding::allowed);
    } else if (relay_.tunnel()) {
      outcome = relay_.tunnel_woken(*up_);
    } else {
      outcome = co_await relay_.body(*up_, ResponseRelay::Holding::resumed);
    }
    if (outcome == Outcome::held) {  // the worker holds the session until the wait is over
      parked_ = Parked::held;
      co_return false;
    }
    relay_.deadline().unwatch();  // the connection closes or goes back to the pool
    // Only a request that may be repeated (RFC 9110 §9.2.2) is sent again after a stale connection.
    if (outcome == Outcome::retryable && up_->reused && !x_.has_body && idempotent(x_.method) && tries == 0) {
      up_.reset();  // the stale connection closes before the next is made
      continue;
    }
    if (outcome == Outcome::done && relay_.upstream_reusable() && x_.request_done &&
        worker_.pool().keeps_idle()) {
      kept_ = std::move(up_->stream);  // for this client's next request (take_upstream())
      // The upstream's keep-alive clock started after this exchange did: however slow the
      // answer's way to the client, the connection has been idle no longer than this says.
      kept_at_ = x_.start;
      worker_.sweep_kept_soon();
    }
    up_.reset();
    x_.end_copies();
    if (outcome == Outcome::retryable)
      co_await reply_error(502, "upstream closed the connection without answering");
    x_.metrics.end();
    if (outcome != Outcome::done) co_return false;
    log_exchange();
    if (x_.faults.any() && x_.faults.closes()) {  // slow_close: the answer is out, the close waits
      co_await x_.faults.at_close(fault_points_);
      co_return false;
    }
    co_return x_.request_done && !x_.close_after;
  }
}

// The client's own connection from its last exchange, unpeeked, within kKeepUpstream of that
// exchange's start (the upstream's idle time is shorter, however slow the answer was): bytes
// its upstream sent unasked since (a body after a HEAD answer, a second answer) could reach only
// this client, as they would without the proxy. Kept longer, it is peeked as any pooled one is,
// and may close. Else a pooled connection (peeked), or none: then connect.
net::UpstreamPool::Result ClientSession::take_upstream() {
  auto& pool = worker_.pool();
  if (kept_) {
    net::Stream kept = std::move(*kept_);
    kept_.reset();
    if (std::chrono::steady_clock::now() - kept_at_ < kKeepUpstream)
      return {net::UpstreamConnection{std::move(kept), true}, {}, false, {}};
    pool.release(std::move(kept));  // newest in the pool, so take_idle() peeks it first
  }
  return pool.take_idle();
}

// The kept connection to the pool, for any client; closed during a drain.
void ClientSession::give_back_upstream() {
  if (kept_ && !worker_.draining()) worker_.pool().release(std::move(*kept_));
  kept_.reset();
}

bool ClientSession::sweep_kept(std::chrono::steady_clock::time_point now) {
  if (kept_ && now - kept_at_ >= kKeepUpstream) give_back_upstream();
  return kept_.has_value();
}

// No connection to the upstream: the client gets 502 or 504 saying why, the exchange is
// recorded without a response.
awaitable<void> ClientSession::refuse_unreachable(const net::UpstreamPool::Result& got) {
  if (got.tls_failure.empty())
    x_.metrics.connect_failed(got.timed_out);
  else
    x_.metrics.tls_failed();
  if (got.timed_out)
    co_await reply_error(504, "upstream connect timed out");
  else if (!got.tls_failure.empty())
    co_await reply_error(502, "upstream " + got.tls_failure);
  else
    co_await reply_error(502, "upstream connect failed: " + got.error.message());
  x_.end_copies();
  x_.metrics.end();
}

awaitable<void> ClientSession::reply_error(int status, std::string_view cause) {
  x_.status = status;
  closing_ = true;
  spdlog::warn("{} \"{} {}\": {} {}", client_ip_, x_.method, x_.target, status, cause);
  if (x_.response_started) co_return;
  x_.response_started = true;
  x_.metrics.answered(status);
  auto& text = relay_.answer_buffer();
  http::write_error_response(text, status, cause, true);
  client_dog_.arm(worker_.config().idle_timeout);
  auto [ec, n] = co_await asio::async_write(client_, asio::buffer(text), nothrow);
  x_.metrics.response_bytes(n);
  log_exchange();
}

void ClientSession::reset_client() {  // linger on with a zero timeout, then close
  boost::system::error_code ignored;
  client_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  client_.cancel();
  client_.socket().close(ignored);
}

void ClientSession::log_exchange() {
  const auto& log = worker_.config().access_log;
  if (!log) return;
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - x_.start);
  std::string faults;
  for (const auto& name : x_.faults.names()) faults += (faults.empty() ? " fault=" : ",") + name;
  if (x_.fault_wait.count() > 0)
    faults += fmt::format(" fault_wait={:.3f}ms", static_cast<double>(x_.fault_wait.count()) / 1000.0);
  log->info("{} \"{} {}\" {} {} {:.3f}ms{}", client_ip_, x_.method, x_.target, x_.status, x_.bytes_out,
            static_cast<double>(us.count()) / 1000.0, faults);
}

}  // namespace reprise::proxy
