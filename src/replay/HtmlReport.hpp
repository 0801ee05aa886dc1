// The HTML report of a replay or a merge (`--report FILE.html`): one self-contained page made
// from the summary JSON alone (what `summary_json` writes and `reprise merge` reproduces): the
// run's header and verdict, the thresholds' table, k6's end-of-test summary (trends with avg,
// min, med, max, p(90), p(95), p(99); counters and rates) and the timeline's charts as inline
// SVG. It must not reach the network: no script, no link, no remote font or image; every
// string taken from the summary is escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace reprise::replay {

std::string html_report(const nlohmann::json& summary);

}  // namespace reprise::replay
