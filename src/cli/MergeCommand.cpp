// `reprise merge SUMMARY... -o MERGED`: adds shard summaries (written by replay --summary) into
// one, judges the shards' thresholds again on the merged figures and writes what a single run
// would. Reading and adding up is replay/RunReport's; this file only wires the flags to it.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "JsonFile.hpp"
#include "cli/Commands.hpp"
#include "cli/RunOutputFlags.hpp"
#include "replay/Profile.hpp"
#include "replay/RunReport.hpp"
#include "replay/SummaryMerge.hpp"

namespace reprise::cli {

void add_merge_command(CLI::App& app, int& exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto outputs = std::make_shared<RunOutputFlags>();
  auto* cmd = app.add_subcommand("merge", "Add shard summaries into one summary");
  cmd->add_option("summaries", *files, "Summary files written by replay --summary")->required();
  cmd->description(
      "Add shard summaries into one summary and judge the thresholds on it (exit 99 on a breach)");
  outputs->add_to(*cmd, RunOutputFlags::Command::merge);
  cmd->callback([files, outputs, &exit_code] {
    replay::RunInfo info;
    replay::RunResult result;
    for (const auto& path : *files) {
      replay::add_summary(read_json_file(path), path, info, result);
    }
    // The shards' thresholds, judged again on the merged figures.
    auto known = replay::replay_metric_names();
    for (const auto& source : result.sources.tallies) known.insert(source.first);
    auto thresholds = info.thresholds.is_null()
                          ? std::vector<metrics::Threshold>()
                          : metrics::parse_thresholds(info.thresholds, known, files->front());
    exit_code = replay::finish_run(info, result, thresholds, outputs->files());
  });
}

}  // namespace reprise::cli
