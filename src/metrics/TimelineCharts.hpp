// The charts of a run over time for the HTML report, made from its summary's "timeline" (one
// point about every second: counts within the interval, gauges at its end, and per `name` tag
// the interval's latency histogram): request and iteration rates, failures, VUs and open SSE
// streams, p50/p95/p99 latency for all requests and for each tag, and each source's readings
// (the summary's "sources"). Rates divide each
// interval's counts by its own length. A summary without a timeline gives the same charts,
// each saying "no data". It must not draw anything itself: LineChart does.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "metrics/LineChart.hpp"

namespace reprise::metrics {

std::vector<LineChart> timeline_charts(const nlohmann::json& summary);

}  // namespace reprise::metrics
