// What a replay run says at its end: the summary file (JSON; README "Summary file") and the
// figures printed on stdout, both made from the same numbers, so that `reprise merge` of shard
// summaries prints exactly what one run prints. Issue [4] adds thresholds and the other formats.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "replay/Runner.hpp"
#include "replay/Session.hpp"

namespace reprise::replay {

struct RunInfo {
  std::string capture, target, profile, executor;
  int shard = 1, shards = 1;
  uint64_t sessions = 0, steps = 0, skipped_websocket = 0;
  uint64_t merged_shards = 0;  // merge: a bit per shard added (shards 1..64 are checked for repeats)
};

// What a run replays, for its report: the files, the executor, the shard and the sessions.
RunInfo run_info(const std::string& capture, const std::string& target, const std::string& profile_name,
                 const Profile& profile, const RunOptions& options, const SessionBuild& built);

nlohmann::ordered_json summary_json(const RunInfo& info, const RunResult& result);
// The inverse, for merge: adds a summary's figures to `result`; throws InputError naming `file`.
void add_summary(const nlohmann::json& summary, const std::string& file, RunInfo& info, RunResult& result);
void print_run(const RunInfo& info, const RunResult& result);

}  // namespace reprise::replay
