#include "replay/RunReport.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "InputError.hpp"
#include "metrics/HtmlReport.hpp"
#include "metrics/JUnitReport.hpp"
#include "replay/DiffReport.hpp"
#include "replay/FailureReport.hpp"
#include "replay/K6Summary.hpp"
#include "replay/RunPrintout.hpp"
#include "replay/RunSummary.hpp"
#include "replay/RunVerdicts.hpp"
#include "replay/WindowVerdicts.hpp"

namespace reprise::replay {
namespace {

void write_file(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::ofstream out(path);
  out << text;
  if (!out) throw RuntimeFailure("cannot write " + path);
}

}  // namespace

int finish_run(const RunInfo& info, const RunResult& result,
               const std::vector<metrics::Threshold>& thresholds, const RunOutputs& outputs) {
  if (::isatty(STDOUT_FILENO)) fmt::print("\r\033[K");  // the progress line goes
  print_run(info, result);
  if (!result.cut_because.empty()) fmt::print("  cut short: {}\n", result.cut_because);
  print_failures(info.notes, result.stats, info.expected);
  print_diffs(result.stats);
  auto verdicts = judge_run(thresholds, result);
  print_verdicts(verdicts, result);
  auto by_window = judge_windows(thresholds, result.timeline, result.sources, info.windows);
  print_window_verdicts(by_window);
  if (!outputs.summary.empty() || !outputs.report.empty()) {
    auto summary = summary_json(info, result, verdicts);
    if (!by_window.empty()) summary["windows"] = window_verdicts_json(by_window);
    write_file(outputs.summary, summary.dump(1) + "\n");
    if (!outputs.report.empty()) {
      const nlohmann::json plain(summary);
      write_file(outputs.report, metrics::html_report(plain, status_section(plain)));
    }
  }
  const nlohmann::json diffs = result.stats.diffs.empty()
                                   ? nlohmann::json()
                                   : nlohmann::json(result.stats.diffs.to_json(result.stats.routes));
  if (!outputs.summary_export.empty())
    write_file(outputs.summary_export, k6_summary(result, thresholds, verdicts).dump(4) + "\n");
  write_file(outputs.junit,
             metrics::junit_xml(verdicts, "reprise replay " + info.capture, result.elapsed_s, diffs));
  return all_passed(verdicts) ? 0 : 99;
}

}  // namespace reprise::replay
