// The summary file of a run or a merge (JSON; docs/metrics.md): the run's description, its
// figures (ReplayStats::write), the steps' statuses (FailureReport), the timeline and the
// verdicts, so that `reprise merge` of shard summaries (SummaryMerge) judges and prints exactly
// what one run does, and the HTML report needs nothing else. Writing only.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "metrics/Threshold.hpp"
#include "replay/RunInfo.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

nlohmann::ordered_json summary_json(const RunInfo& info, const RunResult& result,
                                    const std::vector<metrics::Verdict>& verdicts);

}  // namespace reprise::replay
