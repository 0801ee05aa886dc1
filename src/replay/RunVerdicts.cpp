#include "replay/RunVerdicts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace reprise::replay {
namespace {

using metrics::MetricValues;

// response_diffs: of the answers compared on the routes the tags pick, the share that differed
// (on the field the `field` tag names, when it names one).
std::optional<MetricValues> diff_rate(const metrics::Threshold& t, const ReplayStats& s) {
  uint64_t compared = 0, differing = 0;
  auto tag = [&](const char* name) {
    auto it = t.tags.find(name);
    return it == t.tags.end() ? std::string() : it->second;
  };
  const std::string name = tag("name"), method = tag("method"), field = tag("field");
  for (size_t r = 0; r < s.routes.size(); ++r) {
    if ((!name.empty() && s.routes[r].name != name) || (!method.empty() && s.routes[r].method != method))
      continue;
    compared += s.diffs.compared(r);
    differing += s.diffs.differing(r, field);
  }
  if (compared == 0) return std::nullopt;
  return MetricValues{MetricValues::Kind::rate, nullptr, differing, compared};
}

// A latency threshold passes on fast failures as easily as on fast answers: say how many of the
// requests it measured failed, when a tenth or more did.
std::string failed_share(const metrics::Verdict& v, const RunResult& r) {
  const std::string metric = v.threshold.substr(0, v.threshold.find('{'));
  if (metric != "http_req_duration" && metric != "http_req_waiting") return {};
  auto threshold = metrics::parse_thresholds({{v.threshold, {"avg<1"}}}, {metric}, "");
  if (threshold.empty()) return {};
  metrics::TagFigures picked;
  if (!threshold[0].tags.empty()) threshold_values(threshold[0], r, picked);
  uint64_t reqs = threshold[0].tags.empty() ? r.stats.http_reqs : picked.http_reqs;
  uint64_t failed = threshold[0].tags.empty() ? r.stats.http_req_failed : picked.http_req_failed;
  if (reqs == 0 || failed * 10 < reqs) return {};
  return fmt::format(" — {:.1f} % of the {} requests measured failed",
                     100.0 * static_cast<double>(failed) / static_cast<double>(reqs), reqs);
}

}  // namespace

std::optional<MetricValues> threshold_values(const metrics::Threshold& t, const RunResult& r,
                                             metrics::TagFigures& picked) {
  using Kind = MetricValues::Kind;
  const ReplayStats& s = r.stats;
  const double secs = std::max(r.elapsed_s, 1e-9);
  auto counter = [&](uint64_t n) {
    return MetricValues{Kind::counter, nullptr, 0, 0, static_cast<double>(n), static_cast<double>(n) / secs};
  };
  const std::string& m = t.metric;
  if (auto source = r.sources.series.find(m); source != r.sources.series.end()) {
    auto stats = source->second.stats();
    return stats ? std::optional(MetricValues::of_gauge(*stats)) : std::nullopt;
  }
  if (m == "response_diffs") return diff_rate(t, s);
  if (!t.tags.empty()) {
    picked = s.matching(t.tags);
    const metrics::TagFigures* tag = &picked;
    if (tag->http_reqs == 0) return std::nullopt;
    if (m == "http_req_duration") return MetricValues{Kind::trend, &tag->http_req_duration};
    if (m == "http_req_waiting") return MetricValues{Kind::trend, &tag->http_req_waiting};
    if (m == "http_req_failed")
      return MetricValues{Kind::rate, nullptr, tag->http_req_failed, tag->http_reqs};
    if (m == "http_reqs") return counter(tag->http_reqs);
    return std::nullopt;
  }
  if (m == "http_req_duration") return MetricValues{Kind::trend, &s.http_req_duration};
  if (m == "http_req_waiting") return MetricValues{Kind::trend, &s.http_req_waiting};
  if (m == "sse_time_to_first_event") return MetricValues{Kind::trend, &s.sse_time_to_first_event};
  if (m == "http_req_failed") return MetricValues{Kind::rate, nullptr, s.http_req_failed, s.http_reqs};
  if (m == "http_reqs") return counter(s.http_reqs);
  if (m == "iterations") return counter(s.iterations);
  if (m == "dropped_iterations") return counter(s.dropped_iterations);
  if (m == "data_sent") return counter(s.data_sent);
  if (m == "data_received") return counter(s.data_received);
  if (m == "sse_events") return counter(s.sse_events);
  if (m == "unexpected_status") return counter(s.unexpected_status);
  if (m == "vus" || m == "vus_max")
    return MetricValues::of_gauge(metrics::GaugeStats::of(static_cast<double>(s.vus_max)));
  if (m == "sse_connections")  // a gauge: the most streams open at once
    return MetricValues::of_gauge(metrics::GaugeStats::of(static_cast<double>(s.sse_open_peak)));
  return std::nullopt;
}

namespace {

// A source that gave nothing: why.
std::string source_note(const metrics::Verdict& v, const RunResult& r) {
  auto tally = r.sources.tallies.find(v.threshold);
  if (v.actual || tally == r.sources.tallies.end() || tally->second.failed < tally->second.reads) return {};
  if (tally->second.reads == 1) return " — the source's one read failed: " + tally->second.last_problem;
  return fmt::format(" — all {} reads of the source failed: {}", tally->second.reads,
                     tally->second.last_problem);
}

}  // namespace

std::vector<metrics::Verdict> judge_run(const std::vector<metrics::Threshold>& thresholds,
                                        const RunResult& result) {
  metrics::TagFigures picked;  // each threshold's tagged figures, read before the next threshold's
  return metrics::judge(thresholds,
                        [&](const metrics::Threshold& t) { return threshold_values(t, result, picked); });
}

bool all_passed(const std::vector<metrics::Verdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const metrics::Verdict& v) { return v.ok; });
}

void print_verdicts(const std::vector<metrics::Verdict>& verdicts, const RunResult& result) {
  if (verdicts.empty()) return;
  size_t width = 0;
  for (const auto& v : verdicts) width = std::max(width, v.threshold.size());
  fmt::print("thresholds\n");
  for (const auto& v : verdicts)
    fmt::print("  {} {:<{}}  {:<14} {}{}\n", v.ok ? "✓" : "✗", v.threshold, width, v.condition,
               metrics::measured_text(v), failed_share(v, result) + source_note(v, result));
  fmt::print("{}\n", all_passed(verdicts) ? "all thresholds passed" : "THRESHOLDS FAILED (exit 99)");
}

}  // namespace reprise::replay
