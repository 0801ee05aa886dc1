#include "replay/SummaryMerge.hpp"

#include <algorithm>

#include "InputError.hpp"
#include "replay/FailureReport.hpp"

namespace reprise::replay {

void add_summary(const nlohmann::json& j, const std::string& file, RunInfo& info, RunResult& result) {
  if (!j.is_object() || !j.contains("reprise_summary"))
    throw InputError(file, "", "is not a reprise summary");
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  auto count = [&](const char* key) {
    return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : 0;
  };
  if (!j.contains("shard") || !j["shard"].is_array() || j["shard"].size() != 2 ||
      !j["shard"][0].is_number_integer() || !j["shard"][1].is_number_integer())
    throw InputError(file, "field shard", "must be [i, N]");
  int shard = j["shard"][0].get<int>(), shards = j["shard"][1].get<int>();
  if (info.executor.empty()) {
    info = {text("capture"),
            text("target"),
            text("profile"),
            text("executor"),
            0,
            shards,
            count("sessions"),
            count("requests_per_pass"),
            count("skipped_websocket")};
    if (j.contains("thresholds") && j["thresholds"].is_object()) info.thresholds = j["thresholds"];
  } else if (text("capture") != info.capture || text("executor") != info.executor || shards != info.shards) {
    throw InputError(
        file, "",
        "is a shard of another run (capture, executor or shard count differ from the first file's)");
  }
  if (shard < 1 || shard > shards || (info.merged_shards & (1ULL << std::min(shard - 1, 63))))
    throw InputError(
        file, "field shard",
        "shard " + std::to_string(shard) + "/" + std::to_string(shards) + " is out of range or given twice");
  info.merged_shards |= 1ULL << std::min(shard - 1, 63);
  if (!j.contains("elapsed_s") || !j["elapsed_s"].is_number())
    throw InputError(file, "field elapsed_s", "is missing or not a number");
  result.elapsed_s = std::max(result.elapsed_s, j["elapsed_s"].get<double>());
  if (j.contains("run") && j["run"].is_string() && result.run.empty())
    result.run = j["run"];  // the first shard's
  if (j.contains("planned_iterations") && j["planned_iterations"].is_number_integer())
    result.planned_iterations =
        std::max<int64_t>(result.planned_iterations, 0) + j["planned_iterations"].get<int64_t>();
  ++info.shard;  // shards merged so far
  result.stats.add_summary(j, file);
  if (j.contains("steps")) add_steps(j["steps"], file, info.notes, result.stats);
  if (j.contains("expected_statuses") && j["expected_statuses"].is_string())
    info.expected = expected_from_text(j["expected_statuses"], file);
  if (j.contains("timeline")) ReplayStats::add_timeline(result.timeline, j["timeline"], file);
  if (j.contains("sources")) result.sources.add_json(j["sources"], file);
}

}  // namespace reprise::replay
