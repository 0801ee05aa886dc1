#include "mirror/CopySender.hpp"

#include <boost/asio/write.hpp>

#include "http/EventStream.hpp"
#include "net/Nothrow.hpp"
#include "replay/Profile.hpp"

namespace reprise::mirror {
namespace asio = boost::asio;
using asio::awaitable;
using clock = std::chrono::steady_clock;
using net::nothrow;

namespace {

constexpr size_t kRead = 16384;
constexpr size_t kMaxHead = 65536;
constexpr size_t kMaxKeptBody = 1 << 20;  // a JSON answer read for handouts

uint64_t us_since(clock::time_point t) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t).count());
}

bool event_stream(const http::MessageHead& head) { return http::is_event_stream(head.header("content-type")); }

}  // namespace

struct CopySender::Link {
  explicit Link(const asio::any_io_executor& ex) : stream(ex), dog(ex) {}
  net::Stream stream;
  net::Watchdog dog;
  net::ByteBuffer in;
  http::MessageParser parser{http::MessageParser::Type::response};
  std::string head;  // the answer's head bytes, kept for --mirror-record
  capture::HeaderList headers;
  std::string body;
  uint64_t body_size = 0;
  uint64_t received = 0;
  uint64_t ttfb_us = 0;
  int status = 0;
  std::vector<http::Header> views;  // of `headers`, for the answer's handler

  // Ready for the next copy: the buffers keep their memory.
  void reset() {
    in.clear();
    head.clear();
    headers.clear();
    body.clear();
    body_size = received = ttfb_us = 0;
    status = 0;
  }
};

void StreamHold::end() {
  ended_ = true;
  if (dog_) dog_->arm(clock::duration::zero());  // cuts the held copy's read
}

CopySender::CopySender(const asio::any_io_executor& executor, const MirrorConfig& config)
    : config_(config),
      pool_(executor, config.endpoint, config.pool_size, config.connect_timeout, config.tls ? &*config.tls : nullptr),
      stats_(config.routes),
      recorder_(config.recorder) {}

CopySender::~CopySender() = default;

void CopySender::close_idle() {
  pool_.clear();
  spare_.clear();
}

awaitable<size_t> CopySender::read_some(Link& link) {
  if (link.dog.expired()) co_return 0;
  auto [ec, n] = co_await link.stream.async_read_some(link.in.prepare(kRead), nothrow);
  link.in.commit(n);
  link.received += n;
  co_return n;
}

awaitable<bool> CopySender::send(const CopyRequest& copy, const AnswerHandler& on_answer) {
  const auto start = clock::now();
  const size_t name = stats_.name_of(copy.method, copy.target);
  const bool head_request = copy.method == "HEAD";
  // A link of an earlier copy, its buffers warm: a copy allocates nothing in the steady state.
  std::unique_ptr<Link> owned;
  if (spare_.empty()) {
    owned = std::make_unique<Link>(pool_.executor());
  } else {
    owned = std::move(spare_.back());
    spare_.pop_back();
  }
  Link& link = *owned;
  link.reset();
  failure_.clear();
  uint64_t sent = 0;
  Head head = Head::retry;
  for (int tries = 0; tries < 2 && head == Head::retry; ++tries) {
    // A retry never takes another pooled connection: it may be as stale as the first.
    auto got = tries == 0 ? pool_.take_idle() : net::UpstreamPool::Result{};
    if (!got.connection) got = co_await pool_.connect();
    if (!got.connection) {
      failure_ = !got.tls_failure.empty() ? got.tls_failure
                 : got.timed_out          ? std::string("connect timed out")
                                          : "connect failed: " + got.error.message();
      head = Head::failed;
      break;
    }
    const bool reused = got.connection->reused;
    link.stream = std::move(got.connection->stream);
    link.in.clear();
    link.dog.watch(link.stream.socket());
    link.dog.arm(config_.timeout - (clock::now() - start));
    auto [ec, n] = co_await asio::async_write(link.stream, asio::buffer(*copy.bytes), nothrow);
    sent += n;
    if (ec) {
      link.stream.close();
      head = reused && tries == 0 ? Head::retry : Head::failed;
      continue;
    }
    head = co_await read_head(link, head_request, reused && tries == 0);
  }
  if (head != Head::read && failure_.empty())
    failure_ = link.dog.expired() ? "no answer within --mirror-timeout" : "the connection closed without an answer";
  auto& tag = stats_.series(name, copy.method, head == Head::read ? link.status : 0);
  ++tag.http_reqs;
  tag.data_sent += sent;
  bool whole = head == Head::read;
  if (whole) {
    link.ttfb_us = us_since(start);
    tag.http_req_waiting.record(link.ttfb_us);
    auto& views = link.views;
    views.clear();
    for (const auto& [n, v] : link.headers) views.push_back({n, v});
    if (copy.hold && event_stream(link.parser.head())) {
      const nlohmann::json none(nlohmann::json::value_t::discarded);
      on_answer(link.status, views, &none);
      co_await hold(link, *copy.hold, tag);
    } else {
      const bool keep_alive = link.parser.head().keep_alive && link.parser.head().body != http::BodyKind::until_close;
      whole = co_await read_body(link, copy.read_body);
      if (whole) {
        tag.http_req_duration.record(us_since(start));
        if (copy.read_body && !link.body.empty() && link.body == copy.primary_body) {
          on_answer(link.status, views, nullptr);
        } else {
          const auto body = copy.read_body ? nlohmann::json::parse(link.body, nullptr, false)
                                           : nlohmann::json(nlohmann::json::value_t::discarded);
          on_answer(link.status, views, &body);
        }
        link.dog.unwatch();
        if (keep_alive) pool_.release(std::move(link.stream));
      }
    }
  }
  tag.data_received += link.received;
  const bool ok = whole && !replay::failed_status(config_.expected_statuses, link.status, copy.recorded_status);
  if (!ok) ++tag.http_req_failed;
  if (recorder_) record(copy, link, start);
  link.dog.unwatch();
  if (link.stream.is_open()) link.stream.close();
  spare_.push_back(std::move(owned));
  co_return ok;
}

// Reads past 1xx interim answers to the final head. A reused connection that closes before
// any byte of an answer is worth one more try on a fresh one.
awaitable<CopySender::Head> CopySender::read_head(Link& link, bool head_request, bool may_retry) {
  size_t scanned = 0;
  for (;;) {
    auto scan = link.parser.find_head_end(link.in.readable(), scanned, kMaxHead);
    if (scan.error) co_return Head::failed;
    if (scan.length) {
      auto bytes = link.in.readable().substr(0, scan.length);
      if (link.parser.parse_head(bytes, head_request)) co_return Head::failed;
      const int status = link.parser.head().status;
      if (status >= 200 || status == 101) {
        link.status = status;
        link.headers = capture::header_list(link.parser.head());
        if (recorder_) link.head.assign(bytes);
        link.in.consume(scan.length);
        co_return Head::read;
      }
      link.in.consume(scan.length);
      scanned = 0;
      may_retry = false;
      continue;
    }
    const bool nothing_yet = link.in.empty();
    if (co_await read_some(link) == 0) {
      link.stream.close();
      co_return may_retry && nothing_yet && !link.dog.expired() ? Head::retry : Head::failed;
    }
  }
}

awaitable<bool> CopySender::read_body(Link& link, bool keep) {
  if (link.parser.head().body == http::BodyKind::none) co_return true;
  const uint64_t limit = recorder_ ? std::max<uint64_t>(recorder_->response_body_limit(), keep ? kMaxKeptBody : 0)
                                   : (keep ? kMaxKeptBody : 0);
  for (;;) {
    auto got = link.parser.parse_body(link.in.readable());
    if (got.error) co_return false;
    for (auto piece : link.parser.pieces()) {
      link.body_size += piece.size();
      if (link.body.size() < limit) link.body.append(piece.substr(0, limit - link.body.size()));
    }
    link.parser.clear_pieces();
    link.in.consume(got.consumed);
    if (got.complete) break;
    if (co_await read_some(link) == 0) {
      if (link.parser.head().body != http::BodyKind::until_close || link.dog.expired()) co_return false;
      if (link.parser.finish().error) co_return false;
      break;
    }
  }
  if (link.body_size > link.body.size()) link.body.clear();  // cut: no handouts read from it
  co_return true;
}

awaitable<void> CopySender::hold(Link& link, StreamHold& hold, metrics::TagFigures& tag) {
  ++tag.sse_open;
  hold.dog_ = &link.dog;
  if (hold.ended())
    link.dog.arm(clock::duration::zero());
  else
    link.dog.disarm();  // held as long as the client's stream
  http::EventStreamScanner scanner;
  for (;;) {
    auto got = link.parser.parse_body(link.in.readable());
    if (got.error) break;
    const uint64_t before = scanner.events();
    for (auto piece : link.parser.pieces()) scanner.feed(piece);
    tag.sse_events += scanner.events() - before;
    link.parser.clear_pieces();
    link.in.consume(got.consumed);
    if (got.complete || co_await read_some(link) == 0) break;
  }
  hold.dog_ = nullptr;
  --tag.sse_open;
}

void CopySender::record(const CopyRequest& copy, const Link& link, clock::time_point start) {
  auto x = recorder_->take(0);
  x->session = copy.session;
  x->t_us = recorder_->since_start(start);
  const std::string& bytes = *copy.bytes;
  size_t head_end = bytes.find("\r\n\r\n");
  head_end = head_end == std::string::npos ? bytes.size() : head_end + 4;
  x->raw_request_head.assign(std::string_view(bytes).substr(0, head_end));
  x->req.body.size = bytes.size() - head_end;
  x->req.body.data.assign(bytes, head_end, std::min<size_t>(x->req.body.size, recorder_->request_body_limit()));
  if (link.status) {
    auto& res = capture::emplace_response(*x);
    x->raw_response_head.assign(link.head);
    res.body.size = link.body_size;
    res.body.data.assign(link.body, 0, std::min<size_t>(link.body.size(), recorder_->response_body_limit()));
    res.ttfb_us = static_cast<int64_t>(link.ttfb_us);
    res.dur_us = static_cast<int64_t>(us_since(start));
    if (event_stream(link.parser.head())) x->stream = capture::Stream{"sse", {}, 0, 0};
  }
  recorder_->submit(0, std::move(x));
}

}  // namespace reprise::mirror
