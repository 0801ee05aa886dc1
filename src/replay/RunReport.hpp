// What a replay run says at its end: the summary file (JSON; docs/metrics.md) and the
// figures printed on stdout, both made from the same numbers, so that `reprise merge` of shard
// summaries prints exactly what one run prints, and judges the same thresholds. Issue [4] adds
// the other formats.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "metrics/Threshold.hpp"
#include "replay/Runner.hpp"
#include "replay/Session.hpp"
#include "replay/WindowVerdicts.hpp"

namespace reprise::replay {

// The profile's thresholds judged against a run's figures (k6's metrics and the `name` tag).
std::vector<metrics::Verdict> judge_run(const std::vector<metrics::Threshold>& thresholds,
                                        const RunResult& result);
// The verdicts under the figures: ✓ or ✗, each condition and what was measured, in its unit;
// a latency threshold measured mostly on failed requests says so.
void print_verdicts(const std::vector<metrics::Verdict>& verdicts, const RunResult& result);
bool all_passed(const std::vector<metrics::Verdict>& verdicts);

struct RunInfo {
  std::string capture, target, profile, executor;
  int shard = 1, shards = 1;
  uint64_t sessions = 0, steps = 0, skipped_websocket = 0;
  uint64_t merged_shards = 0;  // merge: a bit per shard added (shards 1..64 are checked for repeats)
  nlohmann::json thresholds =
      nlohmann::json::object();      // as the profile wrote them, for merge to judge again
  std::vector<RunWindow> windows{};  // drill: the fault windows, judged apart (replay/WindowVerdicts)
  std::vector<StepNote> notes{};     // by Step::id, to explain failures (replay/FailureReport)
  ExpectedStatuses expected{};       // the profile's expected_statuses
};

// What a run replays, for its report: the files, the executor, the shard and the sessions.
RunInfo run_info(const std::string& capture, const std::string& target, const std::string& profile_name,
                 const Profile& profile, const RunOptions& options, const SessionBuild& built);

nlohmann::ordered_json summary_json(const RunInfo& info, const RunResult& result,
                                    const std::vector<metrics::Verdict>& verdicts);
// The inverse, for merge: adds a summary's figures to `result`; throws InputError naming `file`.
void add_summary(const nlohmann::json& summary, const std::string& file, RunInfo& info, RunResult& result);
void print_run(const RunInfo& info, const RunResult& result);

// What watches a run while it goes: a progress line on stdout when it is a terminal (elapsed /
// total, VUs, req/s, p95, error rate, thresholds passing), and the thresholds whose conditions
// say `abortOnFail`, judged every second once their `delayAbortEval` has passed: the first that
// fails cuts the run. Empty when it would have nothing to do.
RunMonitor make_monitor(const Profile& profile);

// The figures so far in Prometheus's text format, k6's names prefixed reprise_ (with the
// units Prometheus wants: _seconds, _bytes, _total), per `name` tag where k6 has the tag.
std::string prometheus_text(const RunResult& so_far);

// Where the end of a run is written, besides stdout; an empty path writes nothing.
struct RunOutputs {
  std::string summary;  // the summary file (JSON)
  std::string junit;    // JUnit XML, one test case per threshold condition
  std::string report;   // the HTML report (replay/HtmlReport), made from the summary
};

// The end of a run (or of a merge): the figures printed, the thresholds judged and printed,
// the outputs written. Returns the exit code: 99 when a threshold failed, else 0; throws
// RuntimeFailure when an output cannot be written.
int finish_run(const RunInfo& info, const RunResult& result,
               const std::vector<metrics::Threshold>& thresholds, const RunOutputs& outputs);

}  // namespace reprise::replay
