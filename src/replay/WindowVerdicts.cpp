#include "replay/WindowVerdicts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "metrics/Histogram.hpp"
#include "replay/RunVerdicts.hpp"
#include "replay/Runner.hpp"

namespace reprise::replay {
namespace {

// The source readings `keep` picks by their time: a reading is an instant, not an interval, so
// it belongs to a window when taken inside it and to "outside" when taken in no window.
sources::SourceFigures readings(const sources::SourceFigures& from, const std::function<bool(double)>& keep) {
  sources::SourceFigures out;
  out.tallies = from.tallies;
  for (const auto& [name, series] : from.series) {
    auto& mine = out.series[name];
    for (const auto& sample : series.samples())
      if (keep(sample.t)) mine.add(sample.t, sample.value);
  }
  return out;
}

// The run's figures made of some of the timeline's points, as judge_run reads them.
RunResult result_of(const nlohmann::json& timeline, const std::vector<size_t>& points) {
  RunResult r;
  ReplayStats& s = r.stats;
  double prev = 0;
  for (size_t i = 0; i < timeline.size(); ++i) {
    const auto& p = timeline[i];
    const double t = p.value("t", 0.0);
    if (std::find(points.begin(), points.end(), i) != points.end()) {
      r.elapsed_s += t - prev;
      s.http_reqs += p.value("http_reqs", uint64_t{0});
      s.http_req_failed += p.value("http_req_failed", uint64_t{0});
      s.iterations += p.value("iterations", uint64_t{0});
      s.dropped_iterations += p.value("dropped_iterations", uint64_t{0});
      for (auto it = p["tags"].begin(); it != p["tags"].end(); ++it) {
        auto h = metrics::Histogram::from_json(it.value()["http_req_duration"], "timeline", it.key());
        metrics::TagFigures& tag = s.tagged(s.route_index({it.key(), ""}), 0);
        tag.http_reqs += it.value().value("http_reqs", uint64_t{0});
        tag.http_req_failed += it.value().value("http_req_failed", uint64_t{0});
        tag.http_req_duration.merge(h);
        s.http_req_duration.merge(h);
      }
    }
    prev = t;
  }
  return r;
}

// What can be split: the metrics the timeline holds, with no method or status filter, and the
// sources' gauges (their samples have times).
std::vector<metrics::Threshold> splittable(const std::vector<metrics::Threshold>& thresholds,
                                           const sources::SourceFigures& sources) {
  static const std::set<std::string> kHeld = {"http_reqs", "http_req_failed", "http_req_duration",
                                              "iterations", "dropped_iterations"};
  std::vector<metrics::Threshold> out;
  for (const auto& t : thresholds)
    if ((kHeld.count(t.metric) && !t.tags.count("method") && !t.tags.count("status")) ||
        sources.series.count(t.metric))
      out.push_back(t);
  return out;
}

}  // namespace

std::vector<WindowVerdicts> judge_windows(const std::vector<metrics::Threshold>& thresholds,
                                          const nlohmann::json& timeline,
                                          const sources::SourceFigures& sources,
                                          const std::vector<RunWindow>& windows) {
  std::vector<WindowVerdicts> out;
  if (windows.empty() || !timeline.is_array()) return out;
  const auto split = splittable(thresholds, sources);
  std::vector<std::vector<size_t>> inside(windows.size());
  std::vector<size_t> outside;
  double prev = 0;
  for (size_t i = 0; i < timeline.size(); ++i) {
    const double t = timeline[i].value("t", 0.0);
    bool touches = false;
    for (size_t w = 0; w < windows.size(); ++w) {
      if (prev >= windows[w].start_s && t <= windows[w].end_s) inside[w].push_back(i);
      // and the point after it: answers to requests made inside (a delay) end there
      touches |= t > windows[w].start_s && prev < windows[w].end_s + (t - prev);
    }
    if (!touches) outside.push_back(i);
    prev = t;
  }
  auto judged = [&](std::string name, double start, double end, const std::vector<size_t>& points,
                    bool outside) {
    RunResult r = result_of(timeline, points);
    r.sources = readings(sources, [&](double t) {
      if (!outside) return t >= start && t <= end;
      return std::none_of(windows.begin(), windows.end(),
                          [&](auto& w) { return t >= w.start_s && t <= w.end_s; });
    });
    return WindowVerdicts{std::move(name), start, end, r.elapsed_s, judge_run(split, r)};
  };
  for (size_t w = 0; w < windows.size(); ++w)
    out.push_back(judged(windows[w].name, windows[w].start_s, windows[w].end_s, inside[w], false));
  out.push_back(judged("outside", 0, 0, outside, true));
  return out;
}

void print_window_verdicts(const std::vector<WindowVerdicts>& by_window) {
  if (by_window.empty() || by_window.front().verdicts.empty()) return;
  fmt::print("thresholds by fault window (judged on the timeline's seconds in each)\n");
  std::vector<std::string> heads;
  for (const auto& w : by_window)
    heads.push_back(w.name == "outside" ? fmt::format("outside ({:.0f}s)", w.covered_s)
                                        : fmt::format("{} {:.0f}s–{:.0f}s", w.name, w.start_s, w.end_s));
  size_t width = 0;
  for (const auto& v : by_window.front().verdicts)
    width = std::max(width, v.threshold.size() + v.condition.size() + 1);
  fmt::print("  {:<{}}", "", width);
  for (const auto& h : heads) fmt::print("  {:>22}", h);
  fmt::print("\n");
  for (size_t i = 0; i < by_window.front().verdicts.size(); ++i) {
    const auto& first = by_window.front().verdicts[i];
    fmt::print("  {:<{}}", first.threshold + " " + first.condition, width);
    for (const auto& w : by_window) {
      const auto& v = w.verdicts[i];
      fmt::print("  {:>22}", v.actual ? fmt::format("{} {}", v.ok ? "✓" : "✗", metrics::value_text(v)) : "-");
    }
    fmt::print("\n");
  }
}

nlohmann::ordered_json window_verdicts_json(const std::vector<WindowVerdicts>& by_window) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& w : by_window) {
    nlohmann::ordered_json one = {{"name", w.name}, {"covered_s", w.covered_s}};
    if (w.name != "outside") {
      one["start_s"] = w.start_s;
      one["end_s"] = w.end_s;
    }
    auto& list = one["verdicts"] = nlohmann::ordered_json::array();
    for (const auto& v : w.verdicts)
      list.push_back({{"threshold", v.threshold},
                      {"condition", v.condition},
                      {"actual", v.actual ? nlohmann::ordered_json(*v.actual) : nlohmann::ordered_json()},
                      {"ok", v.ok}});
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace reprise::replay
