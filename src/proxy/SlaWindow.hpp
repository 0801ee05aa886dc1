// The SLA judged over a rolling window while the proxy runs: fed the cumulative figures about once
// a second, it keeps for each threshold the figures its tags pick (summed over the matching
// (name, method, status) combinations) at each snapshot, and judges the latest minus the one
// `window` ago (counters subtract, histograms with Histogram::since, the sse_connections gauge
// is the latest; a source's gauge is what the caller read of it in the window). A breach is a condition
// failing on something measured; a condition with no matching request in the window is "no data", which is no
// breach. It notices breaches starting and ending; it must not log, serve or know about threads.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "metrics/TagFigures.hpp"
#include "metrics/Threshold.hpp"

namespace reprise::proxy {

struct SlaVerdict {
  std::string threshold;                        // the key as written
  std::string condition;                        // as written
  std::optional<double> measured;               // nullopt: nothing measured in the window
  bool breached = false;                        // measured, and the condition fails
  std::chrono::steady_clock::time_point since;  // when the breach started
};

// A breach that started or ended at the latest snapshot.
struct SlaChange {
  bool started = false;
  SlaVerdict verdict;
  std::chrono::steady_clock::duration lasted{};  // for an ended breach
  // The log line: "SLA breach started: http_req_duration{name:X} p(95)<200 measured 512.3 over
  // the last 60s", "SLA breach ended: ... measured 12.1 over the last 60s; lasted 12s".
  std::string text(const std::string& window) const;
};

class SlaWindow {
 public:
  using clock = std::chrono::steady_clock;

  SlaWindow(std::vector<metrics::Threshold> thresholds, std::chrono::microseconds window,
            std::string window_text);

  // How often to add a snapshot: every second, or window/120 for windows over two minutes (so
  // the snapshots kept stay few).
  clock::duration step() const { return step_; }
  // The sources' gauges over the window, by name (a source with no sample in it is absent: no data).
  using Gauges = std::map<std::string, metrics::GaugeStats>;
  // Adds the cumulative figures taken at `now` (the first call is the baseline), judges the
  // window ending there and returns the breaches that started or ended.
  std::vector<SlaChange> add(const metrics::FiguresByTag& cumulative, clock::time_point now,
                             const Gauges& gauges = {});

  const std::vector<SlaVerdict>& verdicts() const { return verdicts_; }
  const std::vector<metrics::Threshold>& thresholds() const { return thresholds_; }
  const std::string& window_text() const { return window_text_; }
  std::chrono::microseconds window() const { return window_; }
  // GET /sla: {"window": "60s", "measured_over_s": 60.0, "ok": true, "verdicts": [{"threshold",
  // "condition", "measured" (null: nothing measured), "state" ("pass", "fail", "no data"),
  // "breached_for_s" (when failing)}]}.
  nlohmann::ordered_json to_json(clock::time_point now) const;

 private:
  // One threshold's figures at one snapshot, summed over the combinations its tags pick.
  struct Picked {
    uint64_t reqs = 0;    // requests ended: what says whether anything was measured
    uint64_t failed = 0;  // http_req_failed
    uint64_t count = 0;   // the counter the threshold names
    int64_t gauge = 0;    // sse_connections
    std::optional<metrics::Histogram> trend;
  };
  struct Snapshot {
    clock::time_point at;
    std::vector<Picked> picked;  // by threshold
  };
  Picked pick(const metrics::Threshold& t, const metrics::FiguresByTag& figures) const;
  static Picked since(const Picked& later, const Picked& earlier);  // counters subtract, the gauge is later's
  // Updates the verdicts; returns the breaches that started or ended.
  std::vector<SlaChange> track_breaches(const std::vector<metrics::Verdict>& judged, clock::time_point now);
  std::optional<metrics::MetricValues> window_values(size_t threshold, Picked& diff) const;

  std::vector<metrics::Threshold> thresholds_;
  std::chrono::microseconds window_;
  std::string window_text_;
  clock::duration step_;
  std::deque<Snapshot> snapshots_;  // oldest first: the front is the window's start
  std::vector<SlaVerdict> verdicts_;
};

}  // namespace reprise::proxy
