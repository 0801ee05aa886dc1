// k6's `--summary-export` JSON (the legacy end-of-test summary that CI tooling written for k6
// reads: k6-html-reporter 0.x and the like), made from the same figures and verdicts as the
// summary file: {"root_group": {...}, "metrics": {"http_req_duration": {"avg": .., "p(95)": ..,
// "thresholds": {"p(95)<500": false}}, ...}}. k6's quirks are kept on purpose: trends in
// milliseconds, a rate's `passes` counts its true samples (for http_req_failed, the failed
// requests), and a threshold's boolean is true when it FAILED. Every threshold key with tags
// gets an entry of its own ("http_req_duration{name:SendMessage}"), as k6's sub-metrics do.
// docs/metrics.md lists what differs from k6. It must not judge (RunVerdicts does) nor write
// files (RunReport does).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "metrics/Threshold.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

nlohmann::ordered_json k6_summary(const RunResult& result, const std::vector<metrics::Threshold>& thresholds,
                                  const std::vector<metrics::Verdict>& verdicts);

// k6's id of a group or check: the MD5 of its path, in hex ("" for the root group).
std::string k6_id(std::string_view path);

}  // namespace reprise::replay
