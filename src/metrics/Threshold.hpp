// Thresholds in k6's syntax and their verdicts: "http_req_duration{name:SendMessage}":
// ["p(95)<500", {"threshold": "rate<0.01", "abortOnFail": true}]. Parsing a condition, and
// judging one against the figures of its metric: a trend (a latency histogram, judged in
// milliseconds as k6 does), a rate, a counter or a gauge. It knows nothing of where the
// figures come from (replay or proxy) or how verdicts are shown.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "metrics/GaugeSeries.hpp"
#include "metrics/Histogram.hpp"

namespace reprise::metrics {

// One condition of a threshold, e.g. "p(95)<500": the aggregation, the comparison, the bound.
struct Condition {
  std::string aggregation;  // "p(95)", "avg", "min", "max", "med", "rate", "count", "value", "last"
  double percentile = 0;    // for "p(N)"
  std::string op;           // "<", "<=", ">", ">=", "==", "!="
  double bound = 0;
  std::string text;  // as written
  bool abort_on_fail = false;
  std::chrono::microseconds delay_abort_eval{0};
};

struct Threshold {
  std::string metric;                       // "http_req_duration"
  std::map<std::string, std::string> tags;  // {name: SendMessage} from "...{name:SendMessage}"
  std::vector<Condition> conditions;
  std::string text;  // the key as written
};

// Parses one condition ("p(95)<500"); throws InputError naming `file` and `field`.
Condition parse_condition(const std::string& text, const std::string& file, const std::string& field);

// A `thresholds` block as k6 writes it: {"metric{tag:value,...}": ["p(95)<500", {"threshold":
// "rate<0.01", "abortOnFail": true, "delayAbortEval": "10s"}]}. `known` are the metrics the caller
// measures; tags may be name, method and status. Throws InputError naming `file` and the field.
std::vector<Threshold> parse_thresholds(const nlohmann::json& block, const std::set<std::string>& known,
                                        const std::string& file);

// The figures of one metric (for one tag filter) that aggregations read.
struct MetricValues {
  enum class Kind { trend, rate, counter, gauge };
  Kind kind = Kind::counter;
  const Histogram* trend = nullptr;  // microseconds
  uint64_t passes = 0, total = 0;    // rate: `passes` of `total` (http_req_failed: failed of all)
  double count = 0;                  // counter: the count
  double per_second = 0;             // counter: count over the run's time
  GaugeStats gauge{};                // gauge: `value` and `last` are its last value

  static MetricValues of_gauge(const GaugeStats& g) {
    MetricValues v;
    v.kind = Kind::gauge;
    v.gauge = g;
    return v;
  }
};

struct Verdict {
  std::string threshold;         // the key as written
  std::string condition;         // as written
  std::optional<double> actual;  // nullopt: nothing measured (no request had the tag)
  bool ok = false;
};

// What a verdict measured, in the unit of its metric and aggregation: "measured 34.2 ms",
// "measured 0.0032 (0.32 %)", "measured 12.5/s"; "nothing measured".
std::string measured_text(const Verdict& v);
std::string value_text(const Verdict& v);  // the same without "measured ": "34.2 ms"

// Every condition of every threshold judged; `values` gives a threshold's figures or nullopt
// when none were measured (a condition on nothing measured fails, as a k6 user would want to
// know). An aggregation the metric's kind does not have is also nullopt.
std::vector<Verdict> judge(const std::vector<Threshold>& thresholds,
                           const std::function<std::optional<MetricValues>(const Threshold&)>& values);

}  // namespace reprise::metrics
