// The end of a run or of a merge: the figures and the failures printed, the thresholds judged
// over the run and over a drill's fault windows and printed, and the outputs written (summary,
// JUnit, HTML report, k6's summary export), all made from the same numbers. It must not compute what it
// shows: each part has its own file (RunPrintout, FailureReport, RunVerdicts, WindowVerdicts, RunSummary,
// metrics/JUnitReport, metrics/HtmlReport, K6Summary).
#pragma once

#include <string>
#include <vector>

#include "metrics/Threshold.hpp"
#include "replay/RunInfo.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

// Where the end of a run is written, besides stdout; an empty path writes nothing.
struct RunOutputs {
  std::string summary;         // the summary file (JSON)
  std::string junit;           // JUnit XML, one test case per threshold condition
  std::string report;          // the HTML report (metrics/HtmlReport), made from the summary
  std::string summary_export;  // k6's --summary-export JSON (replay/K6Summary)
};

// Returns the exit code: 99 when a threshold failed, else 0; throws RuntimeFailure when an
// output cannot be written.
int finish_run(const RunInfo& info, const RunResult& result,
               const std::vector<metrics::Threshold>& thresholds, const RunOutputs& outputs);

}  // namespace reprise::replay
