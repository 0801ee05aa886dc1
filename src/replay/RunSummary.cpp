#include "replay/RunSummary.hpp"

#include "replay/FailureReport.hpp"

namespace reprise::replay {

nlohmann::ordered_json summary_json(const RunInfo& info, const RunResult& result,
                                    const std::vector<metrics::Verdict>& verdicts) {
  nlohmann::ordered_json j;
  j["reprise_summary"] = 1;
  j["capture"] = info.capture;
  j["target"] = info.target;
  j["profile"] = info.profile;
  j["executor"] = info.executor;
  j["shard"] = {info.shard, info.shards};
  if (info.merged_shards) j["merged"] = true;  // "shard" is then [shards merged, N]
  j["sessions"] = info.sessions;
  j["requests_per_pass"] = info.steps;
  j["skipped_websocket"] = info.skipped_websocket;
  if (!result.run.empty()) j["run"] = result.run;
  j["elapsed_s"] = result.elapsed_s;
  j["planned_iterations"] = result.planned_iterations < 0 ? nlohmann::ordered_json()
                                                          : nlohmann::ordered_json(result.planned_iterations);
  result.stats.write(j);
  j["expected_statuses"] = expected_text(info.expected);
  j["steps"] = steps_json(info.notes, result.stats);
  if (!result.sources.empty()) j["sources"] = result.sources.to_json();
  if (!result.timeline.empty()) j["timeline"] = nlohmann::ordered_json::parse(result.timeline.dump());
  if (!result.cut_because.empty()) j["cut_because"] = result.cut_because;
  j["thresholds"] = nlohmann::ordered_json::parse(info.thresholds.dump());
  auto& list = j["verdicts"] = nlohmann::ordered_json::array();
  for (const auto& v : verdicts)
    list.push_back({{"threshold", v.threshold},
                    {"condition", v.condition},
                    {"actual", v.actual ? nlohmann::ordered_json(*v.actual) : nlohmann::ordered_json()},
                    {"ok", v.ok}});
  return j;
}

}  // namespace reprise::replay
