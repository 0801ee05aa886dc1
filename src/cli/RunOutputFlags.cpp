#include "cli/RunOutputFlags.hpp"

#include <CLI/CLI.hpp>

namespace reprise::cli {

void RunOutputFlags::add_to(CLI::App& cmd, Command command) {
  const bool merged = command == Command::merge;
  if (merged)
    cmd.add_option("-o,--output", summary, "The merged summary")->required();
  else
    cmd.add_option("--summary", summary, "Write the run's summary (JSON) to this file");
  cmd.add_option("--junit", junit, "Write the thresholds' verdicts as JUnit XML to this file");
  cmd.add_option("--report", report,
                 merged ? "Write the merged run's HTML report to this file"
                        : "Write the run's HTML report to this file");
  cmd.add_option("--summary-export", summary_export,
                 "Write k6's --summary-export JSON to this file, for tools made for k6's output");
  if (command == Command::replay)
    cmd.add_option("--metrics", metrics, "Serve Prometheus /metrics on this address while the run goes");
}

}  // namespace reprise::cli
