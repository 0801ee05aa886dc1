// A virtual user: replays one session at a time, each of its flows (recorded connections) on a
// keep-alive connection of its own, side by side, top to bottom like blocking code: wait the
// think time, wait for the live values another flow's answer fills, render the request, send
// it, read the answer, take the handouts it carries. Event streams are held open as recorded
// and their events counted. It counts into its thread's ReplayStats; it knows nothing of
// executors or schedules.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/SseEvents.hpp"
#include "compare/AnswerDiff.hpp"
#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"
#include "replay/Identities.hpp"
#include "replay/Profile.hpp"
#include "replay/ReplayStats.hpp"
#include "replay/Session.hpp"

namespace reprise::replay {

using clock = std::chrono::steady_clock;

// The copy numbers of one thread: copy n of thread t in shard i of N over T threads is
// (n·T + t)·N + i, so no two copies of a run (or of its shards) share one.
struct CopyNumbers {
  uint64_t next = 0, stride = 1, offset = 1;
  uint64_t take() { return next++ * stride + offset; }
};

// What every VU of a run shares, read-only.
struct RunSettings {
  const Profile* profile = nullptr;
  std::chrono::microseconds request_timeout{60'000'000};
  double speed = 1;  // replay-timing; 1 for every other executor
  int shard = 1;
  RunMark run_mark;                                        // {run}, and in automatic identities
  clock::time_point t0;                                    // the run's start
  clock::time_point hard_stop = clock::time_point::max();  // streams and waits end here
  const std::vector<Expectation>* expected = nullptr;      // --compare: by Step::id
  const compare::IgnoreRules* ignore = nullptr;             // the profile's compare.ignore

  // A recorded span at replay speed.
  std::chrono::microseconds scaled(int64_t recorded_us) const {
    return std::chrono::microseconds(static_cast<int64_t>(static_cast<double>(recorded_us) / speed));
  }
};

class Vu {
 public:
  // `baseline`: --baseline's pool; each request compared also goes there (Vu::ask_baseline).
  Vu(net::UpstreamPool& pool, const RunSettings& run, ReplayStats& stats, CopyNumbers& copies, int number,
     net::UpstreamPool* baseline = nullptr);
  Vu(const Vu&) = delete;
  Vu& operator=(const Vu&) = delete;

  // Replays `session` once. `due` is the intended start: the first request's latency counts
  // from it, and with replay-timing every request waits for its recorded offset from it.
  boost::asio::awaitable<void> iterate(const Session& session, clock::time_point due);

  // Cuts every connection and wait: the run is over.
  void abort();
  bool aborted() const { return aborted_; }
  int number() const { return number_; }
  int iterations() const { return iteration_; }  // done so far

 private:
  // One connection to the target and what reading and writing on it needs.
  struct Link {
    explicit Link(const boost::asio::any_io_executor& ex) : stream(ex), timer(ex), dog(ex) {}
    net::Stream stream;
    boost::asio::steady_timer timer;
    net::Watchdog dog;
    net::ByteBuffer in;
    http::MessageParser parser{http::MessageParser::Type::response};
    capture::SseEvents sse;
    capture::Stream events;
    size_t step = 0;      // of its flow, the one it runs now
    size_t answered = 0;  // of its flow, the steps answered (or settled without: the flow ended)
    std::string out;
    std::string body;
    compare::Answer answer;  // --compare: the live answer, as far as it is read
    bool baseline = false;   // to --baseline's instance: its bytes count in no figure
    Link* partner = nullptr;  // --baseline: the baseline's link of the same flow
  };
  enum class Sent { answered, failed, retry };

  boost::asio::awaitable<void> run_flow(const Session& session, size_t flow, clock::time_point due);
  boost::asio::awaitable<bool> wait_until(Link& link, clock::time_point when);
  boost::asio::awaitable<bool> wait_for_other_flows(const Step& step);
  boost::asio::awaitable<bool> exchange(Link& link, const Step& step, clock::time_point start);
  boost::asio::awaitable<Sent> attempt(Link& link, const Step& step, clock::time_point start);
  boost::asio::awaitable<Sent> read_head(Link& link, const Step& step, bool reused);
  boost::asio::awaitable<bool> read_body(Link& link, const Step& step, bool comparing,
                                         std::vector<std::string>& live);
  boost::asio::awaitable<void> ask_baseline(Link& link, const Step& step);
  boost::asio::awaitable<void> hold_stream(Link& link, const Step& step, clock::time_point start);
  // `at_once`: the rest of an answer whose first part has come is usually there already; it is
  // read without waiting a turn of the worker's ring (a read that would wait goes there as usual).
  boost::asio::awaitable<size_t> read_some(Link& link, bool at_once = false);
  void close(Link& link);
  void answered(Link& link, size_t steps);
  void count_answer(int status, const Step& step, metrics::TagFigures& tag);
  bool compares(const Step& step) const;
  // How a compared event stream's hold ends (Vu::next_look).
  struct CompareHold {
    size_t events = 0, wanted = 0;  // so far, and as recorded
    std::optional<clock::time_point> others_done;
  };
  std::optional<clock::time_point> next_look(CompareHold& hold, clock::time_point hold_end);
  void compare_answer(const Step& step, const compare::Answer& live, bool baseline);
  // True when the session's own values (`values`, by slot) turned `recorded` into `live` (a
  // token, an id, an identity).
  bool mapped(std::string_view recorded, std::string_view live, const std::vector<std::string>& values) const;
  static uint64_t elapsed_us(clock::time_point since);
  void begin_iteration(const Session& session);
  int64_t since_t0(clock::time_point t) const;

  net::UpstreamPool& pool_;
  net::UpstreamPool* baseline_;
  const RunSettings& run_;
  ReplayStats& stats_;
  CopyNumbers& copies_;
  int number_;
  int iteration_ = 0;
  bool aborted_ = false;
  std::vector<std::unique_ptr<Link>> links_;  // one per flow of the largest session so far
  std::vector<std::string> live_;             // by slot
  const Session* session_ = nullptr;          // the one being replayed
  std::vector<compare::Difference> diffs_;    // of the answer being compared
  compare::CompareContext compare_;
  const std::vector<std::string>* mapping_ = &live_;  // the values `compare_` maps with
  std::vector<std::unique_ptr<Link>> baseline_links_;  // --baseline: one per flow
  std::vector<std::string> baseline_live_;             // --baseline: by slot
  std::vector<uint64_t> copy_;  // by user of the session: its copy number in this iteration
  int streams_held_ = 0;        // event streams this VU holds now
  size_t flows_running_ = 0;
  boost::asio::steady_timer changed_;  // cancelled whenever a step is answered or a flow ends
};

}  // namespace reprise::replay
