// What --compare found, printed at the end of a run: per route the answers compared, identical
// and differing, and the fields that differed most with one recorded and one replayed example;
// then how many fields were left out as noise. From ReplayStats::diffs; it judges nothing
// (thresholds on response_diffs are replay/RunVerdicts').
#pragma once

#include "replay/ReplayStats.hpp"

namespace reprise::replay {

constexpr size_t kFieldsShown = 5;  // per route

void print_diffs(const ReplayStats& stats);

}  // namespace reprise::replay
