#include "replay/RunMonitor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "Duration.hpp"
#include "replay/RunVerdicts.hpp"

namespace reprise::replay {

RunMonitor make_monitor(const Profile& profile) {
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  bool aborts = false;
  for (const auto& t : profile.thresholds)
    for (const auto& c : t.conditions) aborts |= c.abort_on_fail;
  if (!terminal && !aborts) return {};  // nothing to draw and nothing to cut: no monitor at all
  const double total_s = std::chrono::duration<double>(profile.total_duration()).count();
  return [terminal, total_s, &profile](const RunResult& so_far) -> std::optional<std::string> {
    auto verdicts = judge_run(profile.thresholds, so_far);
    if (terminal) {
      const auto& s = so_far.stats;
      size_t passing =
          static_cast<size_t>(std::count_if(verdicts.begin(), verdicts.end(), [](auto& v) { return v.ok; }));
      double secs = std::max(so_far.elapsed_s, 1e-9);
      fmt::print(
          "\r\033[K  {:.0f}s{}  VUs {}  {:.0f} req/s  p95 {}  errors {:.2f}%  thresholds {}/{}",
          so_far.elapsed_s, total_s > 0 ? fmt::format("/{:.0f}s", total_s) : "", s.vus_max,
          static_cast<double>(s.http_reqs) / secs,
          s.http_req_duration.count() ? duration_text(static_cast<double>(s.http_req_duration.percentile(95)))
                                      : "-",
          s.http_reqs ? 100.0 * static_cast<double>(s.http_req_failed) / static_cast<double>(s.http_reqs)
                      : 0.0,
          passing, verdicts.size());
      std::fflush(stdout);
    }
    size_t i = 0;
    for (const auto& t : profile.thresholds)
      for (const auto& c : t.conditions) {
        const auto& v = verdicts[i++];
        bool due = so_far.elapsed_s >= std::chrono::duration<double>(c.delay_abort_eval).count();
        if (c.abort_on_fail && due && v.actual && !v.ok)
          return fmt::format("{} {} failed ({}; abortOnFail)", v.threshold, v.condition,
                             metrics::measured_text(v));
      }
    return std::nullopt;
  };
}

}  // namespace reprise::replay
