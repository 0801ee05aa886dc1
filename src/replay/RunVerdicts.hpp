// The profile's thresholds judged against a whole run's figures (k6's metrics, and the `name`,
// `method` and `status` tags through metrics::TagKey), and the verdicts printed under the
// figures. It must not write files nor judge parts of a run (WindowVerdicts does, through
// judge_run).
#pragma once

#include <optional>
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
// A threshold's figures out of the run (what judge_run judges): the whole run's, or those of the
// requests its tags pick, added up in `picked` (a trend points into it); nullopt: nothing measured.
std::optional<metrics::MetricValues> threshold_values(const metrics::Threshold& t, const RunResult& r,
                                                      metrics::TagFigures& picked);

}  // namespace reprise::replay
