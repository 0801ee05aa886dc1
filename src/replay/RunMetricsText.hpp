// What replay's --metrics page holds: the figures so far in Prometheus's text format, written
// by metrics::PrometheusText (the proxy's writer): the request families per `name`, method and
// status tag, and the run-wide counters and gauges k6 keeps without tags (iterations, VUs,
// bytes, event streams). This file only chooses what the page shows.
#pragma once

#include <string>

#include "replay/Runner.hpp"

namespace reprise::replay {

std::string prometheus_text(const RunResult& so_far);

}  // namespace reprise::replay
