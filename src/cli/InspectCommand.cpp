// `reprise inspect CAPTURE [--json]`: one pass over the capture (capture::summarize), then a
// readable table on stdout, or with --json the same figures under the stable keys README
// documents. Printing only: the figures are CaptureSummary's.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "capture/CaptureReader.hpp"
#include "capture/CaptureSummary.hpp"
#include "capture/SummaryReport.hpp"
#include "cli/Commands.hpp"

namespace reprise::cli {

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("inspect",
                                 "Routes, counts, sessions, streams, time span and redaction of a capture");
  cmd->add_option("capture", *path, "Capture file (.jsonl)")->required();
  cmd->add_flag("--json", *json, "Print JSON (stable keys, see README) instead of a table");
  cmd->callback([path, json, &exit_code] {
    capture::CaptureReader reader(*path);
    auto summary = capture::summarize(reader);
    if (*json)
      fmt::print("{}\n", capture::summary_json(*path, summary).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    else
      capture::print_summary_table(*path, summary);
    exit_code = 0;
  });
}

}  // namespace reprise::cli
