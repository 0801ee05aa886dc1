// A gauge read over time: the values an external source gave (a service's consumer lag) and
// when, in seconds since the run began, and what thresholds aggregate of them over the whole
// run or a stretch of it (a drill's fault window, the proxy's rolling SLA window). Mergeable
// across shards and kept in the summary. It knows nothing of where the values come from.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace reprise::metrics {

// What a gauge's thresholds read: k6's `value` is the last value.
struct GaugeStats {
  double min = 0, max = 0, avg = 0, last = 0;
  size_t count = 0;

  static GaugeStats of(double value) { return {value, value, value, value, 1}; }
};

class GaugeSeries {
 public:
  struct Sample {
    double t = 0;  // seconds since the run began
    double value = 0;
  };

  // Samples come in time order from one reader; merge() keeps them in order.
  void add(double t, double value);
  // The samples taken at or after `from` and at or before `to`; nullopt when there are none.
  std::optional<GaugeStats> stats(double from, double to) const;
  std::optional<GaugeStats> stats() const;
  const std::vector<Sample>& samples() const { return samples_; }
  bool empty() const { return samples_.empty(); }
  // Forgets the samples taken before `t` (a rolling window keeps no more than it judges).
  void drop_before(double t);
  // Another reader's samples of the same gauge (a shard's), in time order with these.
  void merge(const GaugeSeries& other);

  // [[t, value], ...]
  nlohmann::json to_json() const;
  // Throws InputError naming `file` and `field` when `j` is not that.
  static GaugeSeries from_json(const nlohmann::json& j, const std::string& file, const std::string& field);

 private:
  std::vector<Sample> samples_;
};

}  // namespace reprise::metrics
