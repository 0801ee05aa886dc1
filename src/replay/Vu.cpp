#include "replay/Vu.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/SocketOptions.hpp"
#include "replay/Identities.hpp"

namespace reprise::replay {
namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::duration_cast;
using std::chrono::microseconds;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kRead = 16384;
constexpr size_t kMaxHead = 65536;
constexpr size_t kMaxKeptBody = 1 << 20;  // a JSON answer read for handouts

bool failed_status(int status) { return status < 200 || status >= 400; }

bool event_stream(const http::MessageHead& head) {
  for (const auto& h : head.headers)
    if (http::iequals(h.name, "Content-Type")) return capture::SseEvents::is_event_stream(h.value);
  return false;
}
}  // namespace

Vu::Vu(net::UpstreamPool& pool, const RunSettings& run, ReplayStats& stats, int number)
    : pool_(pool),
      run_(run),
      stats_(stats),
      number_(number),
      socket_(pool.executor()),
      timer_(pool.executor()),
      dog_(pool.executor()) {}

int64_t Vu::since_t0(clock::time_point t) const { return duration_cast<microseconds>(t - run_.t0).count(); }

void Vu::abort() {
  aborted_ = true;
  timer_.cancel();
  close();
  dog_.stop();
}

void Vu::close() {
  boost::system::error_code ignored;
  dog_.unwatch();
  socket_.close(ignored);
  in_.clear();
}

awaitable<bool> Vu::wait_until(clock::time_point when) {
  if (aborted_) co_return false;
  if (when <= clock::now()) co_return true;
  timer_.expires_at(std::min(when, run_.hard_stop));
  co_await timer_.async_wait(nothrow);
  co_return !aborted_ && clock::now() < run_.hard_stop;
}

void Vu::begin_iteration(const Session& session) {
  live_.resize(session.slots.size());
  const auto& identities = run_.profile->identities;
  for (size_t i = 0; i < session.slots.size(); ++i) {
    const Slot& slot = session.slots[i];
    live_[i] = slot.identity < 0
                   ? slot.recorded
                   : expand_identity(identities[static_cast<size_t>(slot.identity)].value_template,
                                     {number_, iteration_, run_.shard});
  }
}

awaitable<void> Vu::iterate(const Session& session, clock::time_point due) {
  begin_iteration(session);
  const bool recorded_timing = run_.profile->executor == Executor::replay_timing;
  clock::time_point previous_end = due;
  for (size_t k = 0; k < session.steps.size() && !aborted_; ++k) {
    const Step& step = session.steps[k];
    clock::time_point start;
    if (recorded_timing) {
      auto offset = microseconds(static_cast<int64_t>(static_cast<double>(step.offset_us) / run_.speed));
      start = std::max(due + offset, previous_end);
    } else {
      auto think = run_.profile->think_time ? *run_.profile->think_time : microseconds(step.think_us);
      start = k == 0 ? due : previous_end + think;
    }
    bool waited = co_await wait_until(start);
    if (!waited) break;
    // The first request of an iteration counts from when it was due, later ones from when sent.
    bool answered = co_await exchange(session, step, k == 0 ? std::min(due, clock::now()) : clock::now());
    if (!answered) break;  // the connection is gone; what follows depends on this answer
    previous_end = clock::now();
  }
  ++iteration_;
  ++stats_.iterations;
}

awaitable<bool> Vu::exchange(const Session& session, const Step& step, clock::time_point start) {
  (void)session;
  step.request.render(live_, out_);
  ++stats_.http_reqs;
  stats_.count_at(stats_.reqs_per_second, since_t0(clock::now()));
  Sent sent = co_await attempt(step, start);
  if (sent == Sent::retry)
    sent = co_await attempt(step, start);  // a keep-alive connection the target had closed
  if (sent == Sent::answered) co_return true;
  ++stats_.transport_errors;
  ++stats_.http_req_failed;
  ++stats_.status[0];
  close();
  co_return false;
}

awaitable<size_t> Vu::read_some() {
  auto [ec, n] = co_await socket_.async_read_some(in_.prepare(kRead), nothrow);
  read_error_ = ec;
  in_.commit(n);
  stats_.data_received += n;
  co_return n;
}

awaitable<Vu::Sent> Vu::attempt(const Step& step, clock::time_point start) {
  bool reused = socket_.is_open();
  if (!reused) {
    auto got = co_await pool_.connect();
    if (!got.connection || aborted_) co_return Sent::failed;
    socket_ = std::move(got.connection->socket);
    net::tune(socket_);
    in_.clear();
  }
  dog_.watch(socket_);
  dog_.arm(run_.request_timeout - (clock::now() - start));
  auto [wec, written] = co_await asio::async_write(socket_, asio::buffer(out_), nothrow);
  stats_.data_sent += written;
  if (wec) {
    close();
    co_return reused && !aborted_ ? Sent::retry : Sent::failed;
  }
  size_t scanned = 0, head_len = 0;
  for (;;) {  // interim 1xx answers are read past
    auto scan = parser_.find_head_end(in_.readable(), scanned, kMaxHead);
    if (scan.error) co_return Sent::failed;
    if (scan.length) {
      head_len = scan.length;
      if (parser_.parse_head(in_.readable().substr(0, head_len), step.request.method() == "HEAD"))
        co_return Sent::failed;
      int status = parser_.head().status;
      if (status >= 200 || status == 101) break;
      in_.consume(head_len);
      scanned = 0;
      continue;
    }
    size_t n = co_await read_some();
    if (n == 0) {
      bool nothing_yet = in_.empty();
      close();
      co_return reused&& nothing_yet && !dog_.expired() && !aborted_ ? Sent::retry : Sent::failed;
    }
  }
  const auto& head = parser_.head();
  auto waited = clock::now() - start;
  stats_.http_req_waiting.record(static_cast<uint64_t>(duration_cast<microseconds>(waited).count()));
  ++stats_.status[static_cast<size_t>(std::min(head.status, 599))];
  if (failed_status(head.status)) ++stats_.http_req_failed;
  for (const auto& e : step.from_head) read_live(e.place, head.headers, live_[static_cast<size_t>(e.slot)]);
  bool keep_alive = head.keep_alive;
  if (event_stream(head)) {
    in_.consume(head_len);
    co_await hold_stream(step, start);
    close();
    co_return Sent::answered;
  }
  in_.consume(head_len);
  bool whole = co_await read_body(step);
  if (!whole) co_return Sent::failed;
  stats_.http_req_duration.record(
      static_cast<uint64_t>(duration_cast<microseconds>(clock::now() - start).count()));
  dog_.disarm();
  if (!keep_alive || head.body == http::BodyKind::until_close) close();
  co_return Sent::answered;
}

awaitable<bool> Vu::read_body(const Step& step) {
  body_.clear();
  if (parser_.head().body == http::BodyKind::none) co_return true;
  const bool keep = !step.from_body.empty();
  for (;;) {
    auto got = parser_.parse_body(in_.readable());
    if (got.error) co_return false;
    if (keep)
      for (auto piece : parser_.pieces())
        if (body_.size() + piece.size() <= kMaxKeptBody) body_ += piece;
    parser_.clear_pieces();
    in_.consume(got.consumed);
    if (got.complete) break;
    size_t n = co_await read_some();
    if (n == 0) {
      if (parser_.head().body != http::BodyKind::until_close || dog_.expired()) co_return false;
      auto last = parser_.finish();
      if (last.error) co_return false;
      break;
    }
  }
  for (const auto& e : step.from_body) read_live(e.place, body_, live_[static_cast<size_t>(e.slot)]);
  co_return true;
}

// Held as long as it was recorded (at replay speed) or until the run ends, whichever is first.
awaitable<void> Vu::hold_stream(const Step& step, clock::time_point start) {
  ++stats_.sse_connections;
  auto hold = microseconds(static_cast<int64_t>(static_cast<double>(step.hold_us) / run_.speed));
  auto until = std::min(start + hold, run_.hard_stop);
  dog_.arm(until - clock::now());
  bool first = true;
  for (;;) {
    auto got = parser_.parse_body(in_.readable());
    if (got.error) break;
    for (auto piece : parser_.pieces()) sse_.feed(piece, 0, events_);
    parser_.clear_pieces();
    in_.consume(got.consumed);
    if (!events_.events.empty()) {
      if (first) {
        stats_.sse_time_to_first_event.record(
            static_cast<uint64_t>(duration_cast<microseconds>(clock::now() - start).count()));
        first = false;
      }
      stats_.sse_events += events_.events.size();
      events_.events.clear();
    }
    if (got.complete || aborted_) break;
    size_t n = co_await read_some();
    if (n == 0) break;
  }
  sse_ = {};
}

}  // namespace reprise::replay
