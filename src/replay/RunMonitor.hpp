// What watches a run while it goes: a progress line on stdout when it is a terminal (elapsed /
// total, VUs, req/s, p95, error rate, thresholds passing), and the thresholds whose conditions
// say `abortOnFail`, judged every second once their `delayAbortEval` has passed: the first that
// fails cuts the run. It must not touch the workers' figures: it is handed a copy.
#pragma once

#include "replay/Profile.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {

// Empty when it would have nothing to do (stdout is no terminal and no threshold aborts).
RunMonitor make_monitor(const Profile& profile);

}  // namespace reprise::replay
