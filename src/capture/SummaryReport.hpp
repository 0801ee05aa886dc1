// The two renderings of a CaptureSummary: the readable table `reprise inspect` and the demo
// print, and the JSON of `inspect --json` (stable keys, documented in docs/capture-format.md). Printing
// only: the figures are CaptureSummary's.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "capture/CaptureSummary.hpp"

namespace reprise::capture {

// Prints the table to stdout; `path` is the capture's name as the user gave it.
void print_summary_table(const std::string& path, const CaptureSummary& s);
nlohmann::ordered_json summary_json(const std::string& path, const CaptureSummary& s);

}  // namespace reprise::capture
