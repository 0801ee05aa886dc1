// The flags that say where a run's results go: --summary (or merge's -o,--output), --junit,
// --report, --summary-export (k6's JSON) and replay's --metrics. Registered here once for
// replay, drill and merge, so that their names and help read the same everywhere. It holds paths and an
// address only: the writing is replay/RunReport's, the serving the replay run's.
#pragma once

#include <CLI/App.hpp>
#include <string>

#include "replay/RunReport.hpp"

namespace reprise::cli {

struct RunOutputFlags {
  // The command the flags are added to: replay serves --metrics while it runs; merge writes
  // the merged summary, which it cannot do without (-o, required).
  enum class Command { replay, drill, merge };

  std::string summary, junit, report, summary_export;
  std::string metrics;  // host:port, empty: not served

  void add_to(CLI::App& cmd, Command command);
  replay::RunOutputs files() const { return {summary, junit, report, summary_export}; }
};

}  // namespace reprise::cli
