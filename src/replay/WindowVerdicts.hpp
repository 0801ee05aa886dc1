// The SLA inside stretches of a run beside the SLA outside them: a drill's fault windows. The
// thresholds are judged again on the timeline's points (about a second each) that lie wholly
// in each window, and on the points that touch no window; a point across a window's edge, and
// the one just after a window, count in neither (their requests are partly in; an answer to a
// request made inside, delayed, ends after the edge). Only what
// the timeline holds can be split: http_reqs, http_req_failed and http_req_duration (in all or by
// name tag), iterations and dropped_iterations; and the sources' gauges, by when each reading was
// taken (inside a window, or in none: an instant has no edge to straddle); other thresholds, and those filtered by method
// or status, are left out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/Threshold.hpp"
#include "sources/SourceFigures.hpp"

namespace reprise::replay {

struct RunWindow {
  std::string name;               // the fault's
  double start_s = 0, end_s = 0;  // since the run's start
};

struct WindowVerdicts {
  std::string name;  // a window's, or "outside" (every point in no window)
  double start_s = 0, end_s = 0;
  double covered_s = 0;  // the seconds of timeline that fell in it
  std::vector<metrics::Verdict> verdicts;
};

// The windows' verdicts, then "outside"; nothing when there are no windows.
std::vector<WindowVerdicts> judge_windows(const std::vector<metrics::Threshold>& thresholds,
                                          const nlohmann::json& timeline,
                                          const sources::SourceFigures& sources,
                                          const std::vector<RunWindow>& windows);
void print_window_verdicts(const std::vector<WindowVerdicts>& by_window);
nlohmann::ordered_json window_verdicts_json(const std::vector<WindowVerdicts>& by_window);

}  // namespace reprise::replay
