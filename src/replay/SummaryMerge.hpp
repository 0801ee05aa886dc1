// `reprise merge`: a shard's summary file read back into the run's description and figures, to
// be added to the other shards' (the inverse of RunSummary). The shards must be of one run
// (capture, executor, shard count) and each given once. It must not judge or print: the merged
// run is finished like any other (RunReport).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "replay/RunInfo.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

// Adds a summary's figures to `result` and its description to `info` (the first file's);
// throws InputError naming `file`.
void add_summary(const nlohmann::json& summary, const std::string& file, RunInfo& info, RunResult& result);

}  // namespace reprise::replay
