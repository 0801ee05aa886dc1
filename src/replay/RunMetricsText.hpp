// What replay's --metrics page holds: the figures so far in Prometheus's text format, written
// by metrics::PrometheusText (the proxy's writer): the request families per `name`, method and
// status tag, the run-wide counters and gauges k6 keeps without tags (iterations, VUs, bytes,
// event streams), and the profile's thresholds judged on the figures so far (the proxy's
// reprise_threshold_ok and reprise_threshold_value). This file only chooses what the page shows;
// judging is RunVerdicts's business.
#pragma once

#include <string>
#include <vector>

#include "metrics/Threshold.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

// `verdicts`: the profile's thresholds judged on `so_far` (none: no threshold families).
std::string prometheus_text(const RunResult& so_far, const std::vector<metrics::Verdict>& verdicts = {});

}  // namespace reprise::replay
