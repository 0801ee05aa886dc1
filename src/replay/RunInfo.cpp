#include "replay/RunInfo.hpp"

namespace reprise::replay {

RunInfo run_info(const std::string& capture, const std::string& target, const std::string& profile_name,
                 const Profile& profile, const RunOptions& options, const SessionBuild& built) {
  RunInfo info{capture,
               target,
               profile_name,
               executor_name(profile.executor),
               options.shard,
               options.shards,
               built.sessions.size(),
               0,
               built.skipped_websocket};
  for (const auto& s : built.sessions) info.steps += s.steps();
  info.notes = built.notes;
  info.expected = profile.expected_statuses;
  for (const auto& t : profile.thresholds)
    for (const auto& c : t.conditions) info.thresholds[t.text].push_back(c.text);
  return info;
}

}  // namespace reprise::replay
