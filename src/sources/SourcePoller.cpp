#include "sources/SourcePoller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/Nothrow.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"

namespace reprise::sources {

namespace asio = boost::asio;
using asio::awaitable;
using net::nothrow;

namespace {

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 64 * 1024 * 1024;  // a large exporter's page, not more

// A read waits no longer than the time between reads, and never more than 10 s.
std::chrono::microseconds deadline_of(const Source& s) {
  return std::clamp<std::chrono::microseconds>(s.every, std::chrono::seconds(1), std::chrono::seconds(10));
}

}  // namespace

// One source, its connection (kept alive between reads) and its timer.
struct SourcePoller::Polled {
  Source source;
  std::unique_ptr<net::UpstreamPool> pool;
  net::ClientTlsSettings tls;
  asio::steady_timer timer;
  bool failing = false;

  Polled(Source s, asio::io_context& ctx) : source(std::move(s)), timer(ctx) {}
};

namespace {

// GET the source's URL on a kept-alive connection; the body, or why there is none.
awaitable<Reading> fetch(net::UpstreamPool& pool, const Source& s, std::string& body) {
  auto got = pool.take_idle();
  if (!got.connection) got = co_await pool.connect();
  if (!got.connection)
    co_return Reading{false, 0,
                      got.timed_out              ? "connect timed out"
                      : !got.tls_failure.empty() ? got.tls_failure
                                                 : got.error.message()};
  net::Stream stream = std::move(got.connection->stream);
  net::Watchdog dog(stream.socket());
  dog.arm(deadline_of(s));
  const std::string request =
      "GET " + s.where.target + " HTTP/1.1\r\nHost: " + net::to_string(s.where.address.host_port) +
      "\r\nAccept: " + (s.kind == Source::Kind::promql ? "application/json" : "text/plain;version=0.0.4") +
      "\r\nUser-Agent: reprise\r\n\r\n";
  auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), nothrow);
  if (wec) co_return Reading{false, 0, dog.expired() ? "timed out" : wec.message()};
  http::MessageParser parser(http::MessageParser::Type::response);
  net::ByteBuffer in;
  size_t scanned = 0;
  auto read_more = [&]() -> awaitable<bool> {
    auto [ec, n] = co_await stream.async_read_some(in.prepare(16 * 1024), nothrow);
    in.commit(n);
    co_return !ec && n > 0;
  };
  for (;;) {
    auto scan = parser.find_head_end(in.readable(), scanned, kMaxHead);
    if (scan.error) co_return Reading{false, 0, std::string("a malformed answer: ") + scan.error};
    if (scan.length) {
      if (const char* why = parser.parse_head(in.readable().substr(0, scan.length)))
        co_return Reading{false, 0, std::string("a malformed answer: ") + why};
      in.consume(scan.length);
      break;
    }
    if (!co_await read_more())
      co_return Reading{false, 0, dog.expired() ? "timed out" : "the connection closed"};
  }
  for (;;) {
    auto step = parser.parse_body(in.readable());
    if (step.error) co_return Reading{false, 0, std::string("a malformed body: ") + step.error};
    for (auto piece : parser.pieces()) body += piece;
    parser.clear_pieces();
    in.consume(step.consumed);
    if (body.size() > kMaxBody) co_return Reading{false, 0, "the answer is over 64 MiB"};
    if (step.complete) break;
    if (!co_await read_more()) {
      if (parser.head().body != http::BodyKind::until_close || dog.expired())
        co_return Reading{false, 0, dog.expired() ? "timed out" : "the connection closed mid-answer"};
      parser.finish();
      break;
    }
  }
  dog.disarm();
  const int status = parser.head().status;
  if (parser.head().keep_alive && parser.head().body != http::BodyKind::until_close && in.empty())
    pool.release(std::move(stream));
  // a query API answers its errors with 400 or 422 and a JSON body that says why
  if (s.kind == Source::Kind::promql && status != 200 && status != 400 && status != 422)
    co_return Reading{false, 0,
                      "status " + std::to_string(status) + " (is it a Prometheus server's /api/v1/query?)"};
  if (status != 200) co_return Reading{false, 0, "status " + std::to_string(status)};
  co_return Reading{true, 0, {}};
}

awaitable<Reading> read_once(net::UpstreamPool& pool, const Source& s) {
  std::string body;
  Reading r = co_await fetch(pool, s, body);
  if (!r.ok) co_return r;
  co_return s.kind == Source::Kind::promql ? read_query_answer(body, s.aggregate)
                                           : read_exposition(body, s.metric, s.labels, s.aggregate);
}

}  // namespace

SourcePoller::SourcePoller(std::vector<Source> sources, clock::time_point start,
                           std::optional<std::chrono::microseconds> keep)
    : start_(start), keep_(keep) {
  for (auto& s : sources) {
    auto p = std::make_unique<Polled>(std::move(s), ctx_);
    figures_.tallies[p->source.name].description = p->source.description();
    figures_.series[p->source.name];
    p->tls.host = p->source.where.address.host_port.host;
    polled_.push_back(std::move(p));
  }
  for (auto& p : polled_) asio::co_spawn(ctx_, poll(*p), asio::detached);
  thread_ = std::thread([this] { ctx_.run(); });
}

// The host is resolved at the first read that finds it (a service's name may resolve only once
// it has started); until then a read fails as any other.
awaitable<Reading> SourcePoller::read(Polled& p) {
  if (!p.pool) {
    try {
      p.pool = std::make_unique<net::UpstreamPool>(
          ctx_.get_executor(), net::resolve(p.source.where.address.host_port), 1, deadline_of(p.source),
          p.source.where.address.https ? &p.tls : nullptr);
    } catch (const std::exception& e) {
      co_return Reading{false, 0, e.what()};
    }
  }
  Reading r;
  try {
    r = co_await read_once(*p.pool, p.source);
  } catch (const std::exception& e) {  // a bug of ours must not stop the source for good
    r = Reading{false, 0, e.what()};
  }
  if (!r.ok) p.pool.reset();  // the next read resolves the name again: a restarted service moves
  co_return r;
}

awaitable<void> SourcePoller::poll(Polled& p) {
  for (;;) {
    const auto next = clock::now() + p.source.every;
    record(p, co_await read(p));
    if (stopped_) break;  // stopped during that read: it was the last
    p.timer.expires_at(next);
    auto [ec] = co_await p.timer.async_wait(nothrow);
    if (ec || stopped_) {  // stopped while waiting: one more read, what the service reports at the end
      if (read_last_) record(p, co_await read(p));
      break;
    }
  }
  p.pool.reset();
}

SourcePoller::~SourcePoller() { stop(false); }

void SourcePoller::stop(bool read_last) {
  if (!thread_.joinable()) return;
  asio::post(ctx_, [this, read_last] {
    stopped_ = true;
    read_last_ = read_last;
    for (auto& p : polled_) p->timer.cancel();
  });
  thread_.join();
}

void SourcePoller::record(Polled& p, const Reading& r) {
  const double t = std::max(0.0, std::chrono::duration<double>(clock::now() - start_).count());
  std::lock_guard lock(mutex_);
  SourceTally& tally = figures_.tallies[p.source.name];
  ++tally.reads;
  if (r.ok) {
    auto& series = figures_.series[p.source.name];
    series.add(t, r.value);
    if (keep_) series.drop_before(t - std::chrono::duration<double>(*keep_).count());
    if (p.failing)
      spdlog::info("source {}: read again ({} failed reads so far)", p.source.name, tally.failed);
    p.failing = false;
    return;
  }
  ++tally.failed;
  tally.last_problem = r.problem;
  if (!p.failing)
    spdlog::warn("source {}: cannot read {}: {} (no data while it fails)", p.source.name, p.source.url,
                 r.problem);
  p.failing = true;
}

SourceFigures SourcePoller::figures() const {
  std::lock_guard lock(mutex_);
  return figures_;
}

}  // namespace reprise::sources
