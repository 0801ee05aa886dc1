// The profile's thresholds judged against a whole run's figures (k6's metrics, and the `name`,
// `method` and `status` tags through metrics::TagKey), and the verdicts printed under the
// figures. It must not write files nor judge parts of a run (WindowVerdicts does, through
// judge_run).
#pragma once

#include <vector>

#include "metrics/Threshold.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

std::vector<metrics::Verdict> judge_run(const std::vector<metrics::Threshold>& thresholds,
                                        const RunResult& result);
// The verdicts under the figures: ✓ or ✗, each condition and what was measured, in its unit;
// a latency threshold measured mostly on failed requests says so.
void print_verdicts(const std::vector<metrics::Verdict>& verdicts, const RunResult& result);
bool all_passed(const std::vector<metrics::Verdict>& verdicts);

}  // namespace reprise::replay
