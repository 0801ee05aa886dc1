// The Prometheus text exposition format (version 0.0.4): counters, gauges and histograms, each
// family with its HELP and TYPE lines. A latency Histogram (microseconds) becomes a Prometheus
// histogram in seconds with fixed `le` bounds from 1 ms to 60 s. Writing only: what the values
// are is the caller's business.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/Histogram.hpp"

namespace reprise::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family; its samples follow. `type` is "counter", "gauge" or "histogram".
  void family(const std::string& name, const std::string& type, const std::string& help);
  void sample(const std::string& name, const Labels& labels, double value);
  // A histogram family's samples for one label set: _bucket{le=...}, _sum and _count.
  void histogram(const std::string& name, const Labels& labels, const Histogram& us);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace reprise::metrics
