#include "replay/Vu.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/EventStream.hpp"
#include "net/Nothrow.hpp"
#include "replay/Identities.hpp"

namespace reprise::replay {
namespace asio = boost::asio;
using asio::awaitable;
using net::nothrow;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr size_t kRead = 16384;
constexpr size_t kMaxHead = 65536;
constexpr size_t kMaxKeptBody = 1 << 20;  // a JSON answer read for handouts or compared
constexpr size_t kMaxKeptStream = 1 << 16;  // the start of an event stream, compared
constexpr auto kCompareGrace = std::chrono::seconds(1);
constexpr auto kLookEvery = std::chrono::milliseconds(50);

bool event_stream(const http::MessageHead& head) {
  for (const auto& h : head.headers)
    if (http::iequals(h.name, "Content-Type")) return http::is_event_stream(h.value);
  return false;
}
}  // namespace

Vu::Vu(net::UpstreamPool& pool, const RunSettings& run, ReplayStats& stats, CopyNumbers& copies, int number,
       net::UpstreamPool* baseline)
    : pool_(pool),
      baseline_(baseline),
      run_(run),
      stats_(stats),
      copies_(copies),
      number_(number),
      changed_(pool.executor()) {
  compare_.ignore = run_.ignore;
  compare_.mapped = [this](std::string_view recorded, std::string_view live) {
    return mapped(recorded, live, *mapping_);
  };
}

int64_t Vu::since_t0(clock::time_point t) const { return duration_cast<microseconds>(t - run_.t0).count(); }

void Vu::abort() {
  aborted_ = true;
  changed_.cancel();
  for (auto* links : {&links_, &baseline_links_})
    for (auto& link : *links) {
      link->timer.cancel();
      close(*link);
      link->dog.stop();
    }
}

void Vu::close(Link& link) {
  boost::system::error_code ignored;
  link.dog.unwatch();
  link.stream.cancel();
  link.stream.socket().close(ignored);
  link.in.clear();
}

awaitable<bool> Vu::wait_until(Link& link, clock::time_point when) {
  if (aborted_) co_return false;
  auto now = clock::now();
  if (when <= now) co_return now < run_.hard_stop;
  link.timer.expires_at(std::min(when, run_.hard_stop));
  co_await link.timer.async_wait(nothrow);
  co_return !aborted_ && clock::now() < run_.hard_stop;
}

void Vu::begin_iteration(const Session& session) {
  session_ = &session;
  live_.resize(session.slots.size());
  while (links_.size() < session.flows.size()) links_.push_back(std::make_unique<Link>(pool_.executor()));
  while (baseline_ && baseline_links_.size() < session.flows.size()) {
    baseline_links_.push_back(std::make_unique<Link>(pool_.executor()));
    baseline_links_.back()->baseline = true;
    links_[baseline_links_.size() - 1]->partner = baseline_links_.back().get();
  }
  for (auto& link : links_) link->answered = 0;
  copy_.resize(static_cast<size_t>(session.users));
  for (auto& c : copy_) c = copies_.take();
  for (size_t i = 0; i < session.slots.size(); ++i) {
    const Slot& slot = session.slots[i];
    if (slot.identity < 0) {
      live_[i] = slot.recorded;
      continue;
    }
    const Identity& id = session.identities[static_cast<size_t>(slot.identity)];
    const IdentityContext ctx{number_, iteration_, run_.shard, copy_[static_cast<size_t>(id.user)],
                              &run_.run_mark};
    live_[i] = id.value_template.empty() ? unique_value(slot.recorded, run_.run_mark, ctx.copy)
                                         : expand_identity(id.value_template, ctx);
  }
  if (baseline_) baseline_live_ = live_;  // the same identities; its own handouts
  changed_.expires_at(clock::time_point::max());
}

awaitable<void> Vu::iterate(const Session& session, clock::time_point due) {
  begin_iteration(session);
  flows_running_ = session.flows.size();
  for (size_t f = 1; f < session.flows.size(); ++f)
    asio::co_spawn(changed_.get_executor(), run_flow(session, f, due), asio::detached);
  co_await run_flow(session, 0, due);
  while (flows_running_ > 0) co_await changed_.async_wait(nothrow);
  ++iteration_;
  ++(aborted_ ? stats_.interrupted_iterations : stats_.iterations);
}

// One recorded connection, in its own order, from its recorded offset in the session.
awaitable<void> Vu::run_flow(const Session& session, size_t f, clock::time_point due) {
  Link& link = *links_[f];
  const Flow& flow = session.flows[f];
  const bool recorded_timing = run_.profile->executor == Executor::replay_timing;
  const clock::time_point flow_due = due + run_.scaled(flow.start_us);
  clock::time_point previous_end = flow_due;
  for (size_t k = 0; k < flow.steps.size() && !aborted_; ++k) {
    const Step& step = flow.steps[k];
    clock::time_point start;
    if (recorded_timing) {
      start = std::max(flow_due + run_.scaled(step.offset_us), previous_end);
    } else {
      auto think = run_.profile->think_time ? *run_.profile->think_time : microseconds(step.think_us);
      start = k == 0 ? flow_due : previous_end + think;
    }
    // Most steps are due at once and wait for no other flow: then no wait is started.
    auto now = clock::now();
    const bool waits = start > now || !step.after.empty();
    // One co_await per statement: GCC 12 miscompiles co_await inside && chains.
    if (start > now) {
      bool waited = co_await wait_until(link, start);
      if (!waited) break;
    }
    if (!step.after.empty()) {
      bool ready = co_await wait_for_other_flows(step);
      if (!ready) break;
    }
    if (waits) now = clock::now();
    if (aborted_ || now >= run_.hard_stop) break;  // cut while it waited: never sent, not counted
    link.step = k;
    // The session's first request counts from when it was due, every other one from when sent.
    bool answered = co_await exchange(link, step, f == 0 && k == 0 ? std::min(due, now) : now);
    if (!answered) break;  // the connection is gone; what follows depends on this answer
    previous_end = clock::now();
  }
  answered(link, flow.steps.size());  // what it never asked is settled too: the recorded values go
  if (streams_held_ > 0) close(link);  // another flow holds a stream (for minutes): free this socket
  --flows_running_;
  changed_.cancel();
}

// A step waits for the answers of other flows' steps it depends on (Step::after), with the value
// it carries or without it (then the recorded value goes).
awaitable<bool> Vu::wait_for_other_flows(const Step& step) {
  for (;;) {
    bool ready = std::all_of(step.after.begin(), step.after.end(), [&](const StepRef& r) {
      return links_[static_cast<size_t>(r.flow)]->answered > static_cast<size_t>(r.step);
    });
    if (ready) co_return true;
    if (aborted_ || clock::now() >= run_.hard_stop) co_return false;
    co_await changed_.async_wait(nothrow);
  }
}

void Vu::answered(Link& link, size_t steps) {
  if (steps <= link.answered) return;
  link.answered = steps;
  if (flows_running_ > 1) changed_.cancel();  // wakes the flows waiting for it
}

awaitable<bool> Vu::exchange(Link& link, const Step& step, clock::time_point start) {
  step.request.render(live_, link.out);
  ++stats_.http_reqs;
  stats_.count_at(stats_.reqs_per_second, since_t0(clock::now()));
  Sent sent = co_await attempt(link, step, start);
  if (sent == Sent::retry)
    sent = co_await attempt(link, step, start);  // a keep-alive connection the target had closed
  // The baseline's answer too comes before another flow takes a value from this one.
  if (sent == Sent::answered && link.partner && compares(step) &&
      !(*run_.expected)[static_cast<size_t>(step.id)].answer.stream)
    co_await ask_baseline(*link.partner, step);
  answered(link, link.step + 1);
  if (sent == Sent::answered) co_return true;
  close(link);
  metrics::TagFigures& tag = stats_.tagged(step.tag, 0);  // no answer
  ++tag.http_reqs;
  if (aborted_) {  // cut by the end of the run, not the target's failure
    ++stats_.interrupted;
    co_return false;
  }
  stats_.count_step(step.id, 0);
  ++stats_.transport_errors;
  ++stats_.http_req_failed;
  ++tag.http_req_failed;
  ++stats_.status[0];
  stats_.http_req_duration.record(elapsed_us(start));
  tag.http_req_duration.record(elapsed_us(start));
  co_return false;
}

uint64_t Vu::elapsed_us(clock::time_point since) {
  return static_cast<uint64_t>(
      std::max<int64_t>(0, duration_cast<microseconds>(clock::now() - since).count()));
}

awaitable<size_t> Vu::read_some(Link& link, bool at_once) {
  if (link.dog.expired()) co_return 0;  // the deadline passed while a finished read was queued
  boost::system::error_code ec = asio::error::would_block;
  size_t n = 0;
  if (at_once) n = link.stream.read_some(link.in.prepare(kRead), ec);
  if (ec == asio::error::would_block)
    std::tie(ec, n) = co_await link.stream.async_read_some(link.in.prepare(kRead), nothrow);
  link.in.commit(n);
  if (!link.baseline) stats_.data_received += n;
  co_return n;
}

awaitable<Vu::Sent> Vu::attempt(Link& link, const Step& step, clock::time_point start) {
  bool reused = link.stream.is_open();
  if (!reused) {
    auto got = co_await pool_.connect();
    if (!got.connection || aborted_) co_return Sent::failed;
    link.stream = std::move(got.connection->stream);
    link.in.clear();
  }
  link.dog.watch(link.stream.socket());
  link.dog.arm(run_.request_timeout - (clock::now() - start));
  auto [wec, written] = co_await asio::async_write(link.stream, asio::buffer(link.out), nothrow);
  stats_.data_sent += written;
  if (wec) {
    close(link);
    co_return reused && !aborted_ ? Sent::retry : Sent::failed;
  }
  Sent head = co_await read_head(link, step, reused);
  if (head != Sent::answered) co_return head;
  const auto& h = link.parser.head();
  metrics::TagFigures& tag = stats_.tagged(step.tag, std::clamp(h.status, 0, 599));
  const uint64_t waited = elapsed_us(start);
  stats_.http_req_waiting.record(waited);
  tag.http_req_waiting.record(waited);
  for (const auto& e : step.from_head) read_live(e.place, h.headers, live_[static_cast<size_t>(e.slot)]);
  const bool comparing = compares(step);
  if (comparing) link.answer = compare::Answer::head_of(h.status, h.headers);
  const int status = h.status;
  const bool keep_alive = h.keep_alive && h.body != http::BodyKind::until_close;
  if (event_stream(h)) {
    answered(link, link.step + 1);  // its handouts are in the head; the stream is held for long
    count_answer(status, step, tag);
    co_await hold_stream(link, step, start);
    close(link);
    co_return Sent::answered;
  }
  bool whole = co_await read_body(link, step, comparing, live_);
  if (!whole) co_return Sent::failed;
  count_answer(status, step, tag);
  if (comparing) compare_answer(step, link.answer, false);
  const uint64_t took = elapsed_us(start);
  stats_.http_req_duration.record(took);
  tag.http_req_duration.record(took);
  link.dog.disarm();
  if (!keep_alive) close(link);
  co_return Sent::answered;
}

// An answer is counted once, when it is whole (or, for a stream, when its head came).
void Vu::count_answer(int status, const Step& step, metrics::TagFigures& tag) {
  ++tag.http_reqs;
  ++stats_.status[static_cast<size_t>(std::clamp(status, 0, 599))];
  stats_.count_step(step.id, status);
  if (status != step.recorded_status) ++stats_.unexpected_status;
  if (!failed_status(run_.profile->expected_statuses, status, step.recorded_status)) return;
  ++stats_.http_req_failed;
  ++tag.http_req_failed;
}

// Reads up to the final head (1xx interim answers are read past) and parses it. A reused
// connection that closes before any byte of an answer is worth one more try on a fresh one.
awaitable<Vu::Sent> Vu::read_head(Link& link, const Step& step, bool reused) {
  size_t scanned = 0;
  bool answered_before = false;
  for (;;) {
    auto scan = link.parser.find_head_end(link.in.readable(), scanned, kMaxHead);
    if (scan.error) co_return Sent::failed;
    if (scan.length) {
      if (link.parser.parse_head(link.in.readable().substr(0, scan.length), step.request.method() == "HEAD"))
        co_return Sent::failed;
      int status = link.parser.head().status;
      if (status >= 200 || status == 101) {
        link.in.consume(scan.length);
        co_return Sent::answered;
      }
      link.in.consume(scan.length);
      scanned = 0;
      answered_before = true;
      continue;
    }
    size_t n = co_await read_some(link, !link.in.empty());  // part of a head has come
    if (n == 0) {
      bool nothing_yet = link.in.empty() && !answered_before;
      close(link);
      co_return reused&& nothing_yet && !link.dog.expired() && !aborted_ ? Sent::retry : Sent::failed;
    }
  }
}

awaitable<bool> Vu::read_body(Link& link, const Step& step, bool comparing, std::vector<std::string>& live) {
  link.body.clear();
  if (link.parser.head().body == http::BodyKind::none) co_return true;
  const bool json = comparing && compare::is_json_media(link.answer.media_type);
  bool keep = !step.from_body.empty() || json;
  for (;;) {
    auto got = link.parser.parse_body(link.in.readable());
    if (got.error) co_return false;
    for (auto piece : link.parser.pieces()) {
      if (keep && link.body.size() + piece.size() > kMaxKeptBody) {
        keep = false;  // too big to read handouts from (the recorded values go) or to compare
        ++stats_.bodies_too_big;
        link.answer.body_kept = false;
      }
      if (keep) link.body += piece;
    }
    link.parser.clear_pieces();
    link.in.consume(got.consumed);
    if (got.complete) break;
    size_t n = co_await read_some(link, true);
    if (n == 0) {
      if (link.parser.head().body != http::BodyKind::until_close || link.dog.expired()) co_return false;
      auto last = link.parser.finish();
      if (last.error) co_return false;
      break;
    }
  }
  if (keep) {
    auto parsed = nlohmann::json::parse(link.body, nullptr, false);
    for (const auto& e : step.from_body) read_live(e.place, parsed, live[static_cast<size_t>(e.slot)]);
    if (json) link.answer.set_json(std::move(parsed));
  }
  co_return true;
}

// Held as long as it was recorded (at replay speed) or until the run ends, whichever is first.
awaitable<void> Vu::hold_stream(Link& link, const Step& step, clock::time_point start) {
  ++stats_.sse_connections;
  ++streams_held_;
  stats_.sse_open_peak = std::max(stats_.sse_open_peak, ++stats_.sse_open);
  const auto hold =
      std::max(run_.scaled(step.hold_us), run_.profile->sse_hold);  // sse.hold: at least so long
  const auto hold_end = std::min(start + hold, run_.hard_stop);
  const bool comparing = compares(step);
  link.dog.arm((comparing ? run_.hard_stop : hold_end) - clock::now());
  bool first = true;
  bool kept_all = true;
  link.body.clear();
  CompareHold ending;
  if (comparing) ending.wanted = (*run_.expected)[static_cast<size_t>(step.id)].answer.event_types.size();
  for (;;) {
    auto got = link.parser.parse_body(link.in.readable());
    if (got.error) break;
    for (auto piece : link.parser.pieces()) {
      link.sse.feed(piece, 0, link.events);
      if (!comparing) continue;
      size_t room = kMaxKeptStream - link.body.size();
      link.body.append(piece.substr(0, room));
      kept_all = kept_all && piece.size() <= room;
    }
    link.parser.clear_pieces();
    link.in.consume(got.consumed);
    if (!link.events.events.empty()) {
      if (first) stats_.sse_time_to_first_event.record(elapsed_us(start));
      first = false;
      stats_.sse_events += link.events.events.size();
      ending.events += link.events.events.size();
      link.events.events.clear();
    }
    if (got.complete || aborted_) break;
    if (comparing) {
      auto next = next_look(ending, hold_end);
      if (!next) break;
      link.timer.expires_at(*next);
      auto woke = co_await (link.stream.async_wait_readable(net::nothrow_awaitable) ||
                            link.timer.async_wait(net::nothrow_awaitable));
      if (woke.index() == 1) continue;  // time to look again
      if (!net::Stream::readable(std::get<0>(std::get<0>(woke)))) break;
    }
    size_t n = co_await read_some(link);
    if (n == 0) break;
  }
  link.sse = {};
  --streams_held_;
  --stats_.sse_open;
  if (comparing && !aborted_) {
    link.answer.set_stream(link.body, kept_all);
    compare_answer(step, link.answer, false);
  }
}

// A compared stream is held as recorded, then until the session's other flows are done (the
// events it saw were their doing, and under load they take longer than recorded), then until
// it has as many events as recorded or kCompareGrace has passed.
std::optional<clock::time_point> Vu::next_look(CompareHold& h, clock::time_point hold_end) {
  const auto now = clock::now();
  if (aborted_ || now >= run_.hard_stop) return std::nullopt;
  if (now < hold_end) return hold_end;
  if (flows_running_ > 1) return now + kLookEvery;
  if (!h.others_done) h.others_done = now;
  const auto grace_end = *h.others_done + kCompareGrace;
  if (h.events >= h.wanted || now >= grace_end) return std::nullopt;
  return std::min(now + kLookEvery, grace_end);
}

bool Vu::compares(const Step& step) const {
  return run_.expected && (*run_.expected)[static_cast<size_t>(step.id)].answer.status != 0;
}

void Vu::compare_answer(const Step& step, const compare::Answer& live, bool baseline) {
  const Expectation& e = (*run_.expected)[static_cast<size_t>(step.id)];
  diffs_.clear();
  compare_.learned = e.noise;
  mapping_ = baseline ? &baseline_live_ : &live_;
  compare::compare_answers(e.answer, live, compare_, diffs_);
  if (baseline)
    stats_.diffs.count_baseline(static_cast<size_t>(step.tag), diffs_);
  else
    stats_.diffs.count(static_cast<size_t>(step.tag), diffs_);
}

// --baseline: the same request, rendered with the baseline's own values, to the second
// known-good instance; its answer is compared with the recorded one too, and counted apart
// (compare::DiffTally::apply_baseline). Nothing of it counts in the run's figures.
awaitable<void> Vu::ask_baseline(Link& link, const Step& step) {
  step.request.render(baseline_live_, link.out);
  Sent head = Sent::retry;
  for (int tries = 0; tries < 2 && head == Sent::retry && !aborted_; ++tries) {
    const bool reused = link.stream.is_open();
    if (!reused) {
      auto got = co_await baseline_->connect();
      if (!got.connection || aborted_) break;
      link.stream = std::move(got.connection->stream);
      link.in.clear();
    }
    link.dog.watch(link.stream.socket());
    link.dog.arm(run_.request_timeout);
    auto [wec, written] = co_await asio::async_write(link.stream, asio::buffer(link.out), nothrow);
    head = wec ? (reused ? Sent::retry : Sent::failed) : co_await read_head(link, step, reused);
    if (head == Sent::retry) close(link);
  }
  if (head != Sent::answered) {
    close(link);
    ++stats_.baseline_unanswered;
    co_return;
  }
  const auto& h = link.parser.head();
  for (const auto& e : step.from_head) read_live(e.place, h.headers, baseline_live_[static_cast<size_t>(e.slot)]);
  link.answer = compare::Answer::head_of(h.status, h.headers);
  const bool keep_alive = h.keep_alive && h.body != http::BodyKind::until_close;
  if (link.answer.stream || !co_await read_body(link, step, true, baseline_live_)) {
    close(link);
    co_return;
  }
  link.dog.disarm();
  if (!keep_alive) close(link);
  compare_answer(step, link.answer, true);
}

bool Vu::mapped(std::string_view recorded, std::string_view live, const std::vector<std::string>& values) const {
  const auto& slots = session_->slots;
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].recorded == recorded && values[i] == live) return true;
  // An id the session was handed (a user's, in "created_by") is the live session's own.
  if (session_->handed_ids.count(recorded) && !live.empty() &&
      live.find_first_not_of("0123456789") == std::string_view::npos)
    return true;
  // A value with the session's values inside it ("alice's room"): each put in as it is live.
  std::string swapped(recorded);
  bool any = false;
  for (size_t i = 0; i < slots.size(); ++i) {
    const std::string& r = slots[i].recorded;
    if (r.size() < 4 || r == values[i]) continue;
    for (size_t at = swapped.find(r); at != std::string::npos; at = swapped.find(r, at + values[i].size())) {
      swapped.replace(at, r.size(), values[i]);
      any = true;
    }
  }
  return any && swapped == live;
}

}  // namespace reprise::replay
