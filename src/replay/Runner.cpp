#include "replay/Runner.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "net/Nothrow.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Workers.hpp"
#include "replay/Schedule.hpp"
#include "replay/Vu.hpp"

namespace reprise::replay {
namespace asio = boost::asio;
using asio::awaitable;
using std::chrono::microseconds;

namespace {

constexpr auto kTick = std::chrono::milliseconds(10);

int max_vus(const Profile& p) {
  if (is_open_model(p.executor)) return p.max_vus;
  int most = std::max(p.vus, p.start_vus);
  for (const auto& s : p.stages) most = std::max(most, static_cast<int>(s.target));
  return most;
}

// Everything one worker thread owns.
class ThreadRun {
 public:
  ThreadRun(asio::io_context& ctx, const std::vector<Session>& sessions, const Profile& profile,
            const RunOptions& options, const RunSettings& settings, int index)
      : ctx_(ctx),
        sessions_(sessions),
        profile_(profile),
        options_(options),
        settings_(settings),
        index_(index),
        pool_(ctx.get_executor(), options.target, 0, options.connect_timeout,
              options.target_tls ? &*options.target_tls : nullptr),
        timer_(ctx) {
    if (options.baseline)
      baseline_pool_.emplace(ctx.get_executor(), *options.baseline, 0, options.connect_timeout,
                             options.baseline_tls ? &*options.baseline_tls : nullptr);
    const auto shards = static_cast<uint64_t>(options.shards);
    copies_.stride = static_cast<uint64_t>(options.threads) * shards;
    copies_.offset = static_cast<uint64_t>(index) * shards + static_cast<uint64_t>(options.shard);
  }

  ReplayStats stats;

  void start() { asio::co_spawn(ctx_, run(), asio::detached); }

  // From the monitor's thread: this worker copies its figures when it gets to it.
  void request_snapshot() {
    asio::post(ctx_, [this] {
      std::lock_guard lock(snapshot_mutex_);
      auto steps = std::move(stats.step_statuses);  // read only at the end: not copied every second
      snapshot_ = stats;
      stats.step_statuses = std::move(steps);
      snapshot_.vus_max = vus_.size();
      snapshot_.vus = static_cast<uint64_t>(running_);
    });
  }
  void add_snapshot_to(ReplayStats& into) {
    std::lock_guard lock(snapshot_mutex_);
    into.merge(snapshot_);
  }
  // From the monitor's thread: no new iteration starts, every one under way is interrupted.
  void cut() {
    asio::post(ctx_, [this] {
      cutting_ = true;
      timer_.cancel();
      for (auto& vu : vus_) vu->abort();
    });
  }
  void finish() { stats.vus_max = vus_.size(); }  // k6's vus_max: the VUs this run made

 private:
  awaitable<void> run() {
    switch (profile_.executor) {
      case Executor::replay_timing:
        co_await replay_timing();
        break;
      case Executor::constant_arrival_rate:
      case Executor::ramping_arrival_rate:
        co_await open_model();
        break;
      default:
        co_await closed_model();
        break;
    }
  }

  // Global VU v (1-based) runs in this process and on this thread?
  bool mine(int v) const {
    uint64_t n = static_cast<uint64_t>(v - 1);
    return ShardShare{options_.shard, options_.shards}.owns(n) &&
           (n / static_cast<uint64_t>(options_.shards)) % static_cast<uint64_t>(options_.threads) ==
               static_cast<uint64_t>(index_);
  }

  Vu& new_vu(int number) {
    vus_.push_back(std::make_unique<Vu>(pool_, settings_, stats, copies_, number,
                                        baseline_pool_ ? &*baseline_pool_ : nullptr));
    return *vus_.back();
  }

  void note_running(int delta) { running_ += delta; }

  awaitable<void> sleep_until(clock::time_point t) {
    timer_.expires_at(t);
    co_await timer_.async_wait(net::nothrow);
  }

  // Waits for running iterations until the hard stop, then cuts the rest.
  awaitable<void> drain() {
    while (running_ > 0 && clock::now() < settings_.hard_stop)
      co_await sleep_until(std::min(clock::now() + kTick, settings_.hard_stop));
    for (auto& vu : vus_) vu->abort();
  }

  // replay-timing: this shard's sessions j (j mod N = i-1), every T-th on this thread, each at
  // its recorded start (at --speed) on a VU of its own, made when needed and reused after.
  awaitable<void> replay_timing() {
    const int64_t first = sessions_.empty() ? 0 : sessions_.front().start_us;
    std::vector<size_t> owned;
    for (size_t j = 0, k = 0; j < sessions_.size(); ++j)
      if (ShardShare{options_.shard, options_.shards}.owns(j) &&
          k++ % static_cast<size_t>(options_.threads) == static_cast<size_t>(index_))
        owned.push_back(j);
    co_await scheduled(
        [&](uint64_t k) -> std::optional<Start> {
          if (k >= owned.size()) return std::nullopt;
          size_t j = owned[k];
          return Start{settings_.scaled(sessions_[j].start_us - first), j};
        },
        0, std::numeric_limits<int>::max());
  }

  awaitable<void> closed_model() {
    const int most = max_vus(profile_);
    const auto end =
        settings_.t0 + (profile_.executor == Executor::per_vu_iterations ? profile_.max_duration
                                                                         : profile_.total_duration());
    std::vector<Vu*> by_number(static_cast<size_t>(most) + 1, nullptr);
    active_.assign(static_cast<size_t>(most) + 1, 0);
    const bool once = profile_.executor == Executor::per_vu_iterations;  // a VU starts once
    co_await sleep_until(settings_.t0);
    microseconds looked{-1};  // when the VUs wanted were last looked at
    while (clock::now() < end && !cutting_) {
      auto now = std::chrono::duration_cast<microseconds>(clock::now() - settings_.t0);
      int target = vus_peak_between(profile_, looked, now);  // a peak between two looks is not missed
      looked = now;
      for (int v = 1; v <= std::min(target, most); ++v) {
        auto i = static_cast<size_t>(v);
        if (active_[i] || !mine(v) || (once && by_number[i])) continue;
        if (!by_number[i]) by_number[i] = &new_vu(v);
        active_[i] = 1;
        note_running(1);
        asio::co_spawn(ctx_, vu_loop(*by_number[i], most, end), asio::detached);
      }
      if (profile_.executor == Executor::per_vu_iterations && running_ == 0)
        break;  // all ran their iterations
      co_await sleep_until(std::min(clock::now() + kTick, end));
    }
    co_await drain();
  }

  // A VU's loop: one session after another until the end, its iterations, or a ramp down.
  awaitable<void> vu_loop(Vu& vu, int most, clock::time_point end) {
    const auto S = static_cast<uint64_t>(sessions_.size());
    for (bool first = true; !vu.aborted(); first = false) {
      auto now = clock::now();
      if (now >= end) break;
      if (profile_.executor == Executor::per_vu_iterations) {
        if (vu.iterations() >= profile_.iterations) break;
      } else if (!first &&
                 vu.number() >  // started for a peak: at least one iteration
                     vus_at(profile_, std::chrono::duration_cast<microseconds>(now - settings_.t0))) {
        break;  // ramped down: this VU waits until the ramp comes back up to it
      }
      // VU v's i-th iteration replays session (v-1 + i*VUs) mod S, the same in every shard split.
      uint64_t pick = (static_cast<uint64_t>(vu.number() - 1) +
                       static_cast<uint64_t>(vu.iterations()) * static_cast<uint64_t>(most)) %
                      S;
      stats.count_at(stats.iterations_per_second,
                     std::chrono::duration_cast<microseconds>(now - settings_.t0).count());
      co_await vu.iterate(sessions_[pick], now);
    }
    active_[static_cast<size_t>(vu.number())] = 0;
    note_running(-1);
  }

  // Open model: iterations n = i-1 + N·k of the one-run schedule, every T-th on this thread,
  // session n mod S; VUs: this thread's share of preAllocatedVUs and maxVUs (rounded up).
  awaitable<void> open_model() {
    ArrivalSchedule schedule(profile_);
    const auto N = static_cast<uint64_t>(options_.shards), T = static_cast<uint64_t>(options_.threads);
    auto share = [&](int vus) {
      return static_cast<int>((static_cast<uint64_t>(vus) + N * T - 1) / (N * T));
    };
    co_await scheduled(
        [&](uint64_t k) -> std::optional<Start> {
          uint64_t n =
              static_cast<uint64_t>(options_.shard - 1) + N * (static_cast<uint64_t>(index_) + T * k);
          auto due = schedule.due(n);
          if (!due) return std::nullopt;
          return Start{*due, static_cast<size_t>(n % sessions_.size())};
        },
        share(profile_.pre_allocated_vus), share(profile_.max_vus));
  }

  struct Start {
    microseconds due;  // from t0
    size_t session;
  };

  // Starts iterations at their due times whether or not earlier ones have finished, each on a
  // free VU (one more is made while fewer than `most`), else counted as dropped.
  awaitable<void> scheduled(const std::function<std::optional<Start>(uint64_t)>& start_of, int preallocated,
                            int most) {
    while (static_cast<int>(vus_.size()) < preallocated) idle_.push_back(&new_vu(next_number()));
    for (uint64_t k = 0; !cutting_; ++k) {
      auto start = start_of(k);
      if (!start) break;
      auto at = settings_.t0 + start->due;
      if (at > clock::now()) co_await sleep_until(at);
      if (cutting_) break;
      stats.count_at(stats.iterations_per_second, start->due.count());
      if (idle_.empty() && static_cast<int>(vus_.size()) < most) idle_.push_back(&new_vu(next_number()));
      if (idle_.empty()) {
        ++stats.dropped_iterations;
        continue;
      }
      Vu* vu = idle_.back();
      idle_.pop_back();
      note_running(1);
      asio::co_spawn(ctx_, scheduled_iteration(*vu, sessions_[start->session], at), asio::detached);
    }
    co_await drain();
  }

  awaitable<void> scheduled_iteration(Vu& vu, const Session& session, clock::time_point due) {
    co_await vu.iterate(session, due);
    note_running(-1);
    idle_.push_back(&vu);
  }

  // The next global VU number this shard and thread own: numbers stay distinct across both.
  int next_number() {
    while (!mine(next_vu_)) ++next_vu_;
    return next_vu_++;
  }

  asio::io_context& ctx_;
  const std::vector<Session>& sessions_;
  const Profile& profile_;
  const RunOptions& options_;
  const RunSettings& settings_;
  int index_;
  net::UpstreamPool pool_;
  std::optional<net::UpstreamPool> baseline_pool_;
  asio::steady_timer timer_;
  CopyNumbers copies_;
  std::vector<std::unique_ptr<Vu>> vus_;
  std::vector<Vu*> idle_;     // open model: VUs free for the next iteration
  std::vector<char> active_;  // closed model: by VU number, looping now
  int running_ = 0;           // iterations under way
  bool cutting_ = false;      // a monitor cut the run
  std::mutex snapshot_mutex_;
  ReplayStats snapshot_;  // the figures as last copied for the monitor
  int next_vu_ = 1;
};

// From the first session's start to the end of the last answer, as recorded.
int64_t recorded_span(const std::vector<Session>& sessions) {
  int64_t end = 0;
  for (const auto& s : sessions)
    for (const auto& f : s.flows)
      for (const auto& step : f.steps)
        end = std::max(end, s.start_us + f.start_us + step.offset_us + step.hold_us);
  return sessions.empty() ? 0 : end - sessions.front().start_us;
}

}  // namespace

int64_t planned_iterations(const std::vector<Session>& sessions, const Profile& profile, ShardShare share) {
  auto mine = [&](uint64_t total) {
    uint64_t n = static_cast<uint64_t>(share.shards), i = static_cast<uint64_t>(share.shard - 1);
    return static_cast<int64_t>(total / n + (i < total % n ? 1 : 0));
  };
  switch (profile.executor) {
    case Executor::replay_timing:
      return mine(sessions.size());
    case Executor::per_vu_iterations:
      return mine(static_cast<uint64_t>(profile.vus)) * profile.iterations;
    case Executor::constant_arrival_rate:
    case Executor::ramping_arrival_rate:
      return mine(ArrivalSchedule(profile).total());
    default:
      return -1;
  }
}

RunResult run_replay(const SessionBuild& plan, const Profile& profile, const RunOptions& options,
                     const RunMonitor& monitor) {
  const auto& sessions = plan.sessions;
  net::Workers workers(options.threads, options.io_uring);
  RunSettings settings;
  settings.profile = &profile;
  settings.request_timeout = options.request_timeout;
  settings.speed = profile.executor == Executor::replay_timing ? options.speed : 1;
  settings.shard = options.shard;
  settings.run_mark = RunMark::random();
  if (!plan.expected.empty()) settings.expected = &plan.expected;
  settings.ignore = &profile.compare_ignore;
  settings.t0 = clock::now() + std::chrono::milliseconds(20);  // every thread is running by then
  if (profile.executor == Executor::per_vu_iterations)
    settings.hard_stop = settings.t0 + profile.max_duration + profile.graceful_stop;
  else if (profile.executor != Executor::replay_timing)
    settings.hard_stop = settings.t0 + profile.total_duration() + profile.graceful_stop;
  else
    settings.hard_stop = settings.t0 + settings.scaled(recorded_span(sessions)) + profile.graceful_stop;
  std::optional<sources::SourcePoller> polled;
  if (!profile.sources.empty()) polled.emplace(profile.sources, settings.t0);
  std::vector<std::unique_ptr<ThreadRun>> runs;
  for (int i = 0; i < workers.size(); ++i) {
    runs.push_back(std::make_unique<ThreadRun>(workers.context(i), sessions, profile, options, settings, i));
    runs.back()->stats.set_routes(plan.tags);
    runs.back()->start();
  }
  std::atomic<bool> done{false};
  std::string cut_because;
  std::thread watcher;
  ReplayStats last;  // the watcher's latest figures, for the timeline's intervals
  last.set_routes(plan.tags);
  nlohmann::json timeline = nlohmann::json::array();
  if (monitor || options.timeline)
    watcher = std::thread([&] {
      while (!done) {
        for (int i = 0; i < 19 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (done || !cut_because.empty()) continue;
        for (auto& r : runs) r->request_snapshot();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // each worker copies its own
        RunResult so_far;
        so_far.stats.set_routes(plan.tags);
        for (auto& r : runs) r->add_snapshot_to(so_far.stats);
        so_far.elapsed_s = std::max(0.0, std::chrono::duration<double>(clock::now() - settings.t0).count());
        if (polled) so_far.sources = polled->figures();
        if (options.timeline) {
          timeline.push_back(ReplayStats::timeline_point(last, so_far.stats, so_far.elapsed_s));
          last = so_far.stats;
        }
        if (!monitor) continue;
        if (auto why = monitor(so_far)) {
          cut_because = *why;
          for (auto& r : runs) r->cut();
        }
      }
    });
  workers.run();
  done = true;
  if (watcher.joinable()) watcher.join();
  for (auto& r : runs) r->finish();
  RunResult result;
  result.run = settings.run_mark.text;
  result.cut_because = cut_because;
  result.stats.set_routes(plan.tags);
  result.elapsed_s = std::chrono::duration<double>(clock::now() - settings.t0).count();
  for (auto& r : runs) result.stats.merge(r->stats);
  result.stats.diffs.apply_baseline();
  if (polled) {
    polled->stop();  // the last read: what the service reports at the run's end
    result.sources = polled->figures();
  }
  if (options.timeline) {  // the last interval, up to the end
    timeline.push_back(ReplayStats::timeline_point(last, result.stats, result.elapsed_s));
    result.timeline = std::move(timeline);
  }
  result.planned_iterations = planned_iterations(sessions, profile, {options.shard, options.shards});
  return result;
}

}  // namespace reprise::replay
