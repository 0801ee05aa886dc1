#include "replay/DiffReport.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace reprise::replay {

void print_diffs(const ReplayStats& stats) {
  if (stats.diffs.empty()) return;
  size_t width = 5;
  for (size_t r = 0; r < stats.routes.size(); ++r)
    if (stats.diffs.compared(r)) width = std::max(width, stats.routes[r].name.size() + stats.routes[r].method.size() + 1);
  fmt::print("response comparison (each answer against the recorded one)\n");
  fmt::print("  {:<{}}  {:>9}  {:>9}  {:>9}\n", "route", width, "compared", "identical", "differing");
  size_t noise = 0;
  for (size_t r = 0; r < stats.routes.size(); ++r) {
    if (!stats.diffs.compared(r)) continue;
    const auto result = stats.diffs.result(r);
    const auto& key = stats.routes[r];
    fmt::print("  {:<{}}  {:>9}  {:>9}  {:>9}\n", key.name + " " + key.method, width, result.compared,
               result.identical, result.differing);
    for (size_t i = 0; i < std::min(result.fields.size(), kFieldsShown); ++i) {
      const auto* f = result.fields[i];
      fmt::print("    {} ({}): {} answers; recorded {}, replayed {}\n", f->field, f->kind, f->count, f->recorded,
                 f->live);
    }
    if (result.fields.size() > kFieldsShown)
      fmt::print("    and {} more fields (the summary lists them all)\n", result.fields.size() - kFieldsShown);
    noise += result.noise.size();
  }
  if (stats.baseline_unanswered)
    fmt::print("  {} requests to the baseline got no answer (not compared)\n", stats.baseline_unanswered);
  if (noise)
    fmt::print("  {} differing fields left out as noise (--baseline: the known-good instance's answers differ "
               "from the recorded ones there as often)\n",
               noise);
}

}  // namespace reprise::replay
