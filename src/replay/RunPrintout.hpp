// The figures of a run (or of a merge) printed on stdout at its end, k6-style: one dotted line
// per figure (iterations, requests and their rates, failures, latencies, statuses, data, VUs,
// streams, and each source the profile reads). Made from the same numbers as the summary file. It must not judge: the verdicts
// are printed by RunVerdicts.
#pragma once

#include "replay/RunInfo.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

void print_run(const RunInfo& info, const RunResult& result);

}  // namespace reprise::replay
