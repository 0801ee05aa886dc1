// What a report says about the run besides its figures: the files, the executor, the shard, the
// sessions, the thresholds as written, a drill's fault windows and the steps' notes. Made from
// the plan before the run, or read back from shard summaries by a merge (SummaryMerge). It must
// not hold figures: RunResult does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "replay/Profile.hpp"
#include "replay/Runner.hpp"
#include "replay/Session.hpp"
#include "replay/WindowVerdicts.hpp"

namespace reprise::replay {

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

}  // namespace reprise::replay
