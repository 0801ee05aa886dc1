// A replay profile (profiles/*.json): the k6 executor and its options under k6's names, route
// tags, thresholds in k6's syntax, and identities. Parsing and checking only: every mistake is
// an InputError naming the file and the field, so a k6 user's typo is one clear line.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compare/Noise.hpp"
#include "metrics/Threshold.hpp"
#include "sources/Source.hpp"

namespace reprise::replay {

enum class Executor {
  replay_timing,
  constant_vus,
  ramping_vus,
  per_vu_iterations,
  constant_arrival_rate,
  ramping_arrival_rate
};

bool is_open_model(Executor e);         // the arrival-rate executors
std::string executor_name(Executor e);  // k6's name: "constant-arrival-rate"

struct Stage {
  std::chrono::microseconds duration{0};
  double target = 0;  // VUs (ramping-vus) or iterations per timeUnit (ramping-arrival-rate)
};

using metrics::Condition;
using metrics::Threshold;

// The profile's `correlate`: what automatic correlation may add or must leave alone.
struct CorrelateRules {
  bool automatic = true;
  std::vector<std::string> json_fields;  // `extract: [{"json": F}]`: always correlated
  std::vector<std::string> headers;      // `extract: [{"header": H}]`: response headers
  std::vector<std::string> ignore;       // JSON fields never correlated
};

// `expected_statuses` ("200-399,404"): inclusive ranges; empty: from the recording.
using ExpectedStatuses = std::vector<std::pair<int, int>>;

// Whether a replayed answer with `status` counts in http_req_failed, the recording having
// answered `recorded` (0: none). No answer (0) always fails; by default a status >= 400 fails
// when the recording answered the same request otherwise (a recorded 400 answered 400 passes).
bool failed_status(const ExpectedStatuses& expected, int status, int recorded);

// One `identities` entry: a request field and the template its value becomes per iteration.
struct IdentityField {
  std::string field;
  std::string value_template;  // "user{vu}@test.com"; ${env:NAME} already expanded
};

// The metrics a replay measures: what thresholds may name besides the profile's sources.
const std::set<std::string>& replay_metric_names();

struct Profile {
  Executor executor = Executor::replay_timing;
  double speed = 1;  // replay-timing
  int vus = 0;
  std::chrono::microseconds duration{0};
  double rate = 0;
  std::chrono::microseconds time_unit = std::chrono::seconds(1);
  int pre_allocated_vus = 0;
  int max_vus = 0;
  int iterations = 0;                                                 // per-vu-iterations
  std::chrono::microseconds max_duration = std::chrono::minutes(10);  // per-vu-iterations
  int start_vus = 0;
  double start_rate = 0;
  std::vector<Stage> stages;
  std::chrono::microseconds graceful_stop = std::chrono::seconds(30);
  std::map<std::string, std::string> routes;  // tag name → "METHOD /path/*/pattern"
  std::vector<Threshold> thresholds;
  std::vector<IdentityField> identities;
  bool auto_identities = true;  // `identities.auto`: unique values for fields the capture shows
  CorrelateRules correlate;
  std::optional<std::chrono::microseconds> think_time;  // nullopt: the recorded gaps
  std::string capture;  // `capture`, resolved against the profile's folder; empty: none named
  std::chrono::microseconds sse_hold{0};  // `sse.hold`: a replayed stream is held at least so long
  ExpectedStatuses expected_statuses;
  compare::IgnoreRules compare_ignore;   // `compare.ignore`: what --compare never reports
  std::vector<sources::Source> sources;  // `sources`: gauges read from what the service reports

  // Reads and checks a profile file; throws InputError(file, "field X", problem).
  static Profile load(const std::string& path);
  static Profile parse(const nlohmann::json& j, const std::string& file);

  // --time-scale: every duration multiplied by `factor` (0.1 shrinks a 10-minute run to one).
  void scale_time(double factor);
  // --load-scale: VUs, stage targets and arrival rates multiplied by `factor` (at least 1 VU).
  void scale_load(double factor);
  // Both scales shrink what a run can count: a minimum (`count>`, `count>=`) on http_reqs,
  // iterations, data_sent, data_received or sse_events is scaled with them
  // ("http_reqs{name:SendMessage}": ["count>100000"] at 0.01 is count>1000); maximums, rates,
  // percentiles and gauges are not, nor anything of replay-timing (it sends the capture once).
  void scale_counts(double factor);

  // The whole run: the executor's duration, the sum of its stages, or maxDuration (0 for
  // replay-timing, whose length is the capture's).
  std::chrono::microseconds total_duration() const;
};

}  // namespace reprise::replay
