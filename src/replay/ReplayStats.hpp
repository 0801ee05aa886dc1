// What a replay achieved, counted by one thread without locks (each thread has its own) and
// added together at the end, or across shard processes through the summary file. Names follow
// k6: http_reqs, http_req_duration, http_req_waiting, http_req_failed, iterations,
// dropped_iterations, data_sent, data_received, plus the SSE figures; per (name, method, status)
// the figures are metrics::TagFigures, the proxy's type. It must not print or judge: the
// run's report does.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compare/DiffTally.hpp"
#include "metrics/Histogram.hpp"
#include "metrics/RouteTags.hpp"
#include "metrics/TagFigures.hpp"

namespace reprise::replay {

// The figures of the requests of one route (name tag and method) that got one status (0: no
// answer, or cut by the run's end), k6's `name`, `method` and `status` tags. The replayer keeps
// http_reqs, http_req_failed, http_req_duration and http_req_waiting per tag.
struct TaggedFigures {
  int route = 0;  // index into ReplayStats::routes
  int status = 0;
  metrics::TagFigures figures;
};

struct ReplayStats {
  uint64_t iterations = 0;              // complete
  uint64_t interrupted_iterations = 0;  // cut by the run's end
  uint64_t dropped_iterations = 0;
  uint64_t http_reqs = 0;
  uint64_t http_req_failed = 0;    // no answer, or a status the profile does not expect (Profile::failed)
  uint64_t unexpected_status = 0;  // answers whose status is not the one recorded for the request
  uint64_t transport_errors = 0;   // no answer: connect, write or read failed, or timed out
  uint64_t interrupted = 0;        // requests cut by the run's end (not failures of the target)
  uint64_t bodies_too_big = 0;     // answers over 1 MiB whose handouts could not be read
  uint64_t baseline_unanswered = 0;  // --baseline: requests its instance did not answer
  uint64_t data_sent = 0;
  uint64_t data_received = 0;
  uint64_t sse_connections = 0;
  uint64_t sse_events = 0;
  uint64_t sse_open = 0;       // streams open now
  uint64_t sse_open_peak = 0;  // the most open at once (summed over threads: an upper bound)
  uint64_t vus_max = 0;
  uint64_t vus = 0;  // VUs in an iteration at the moment of a snapshot (the timeline's gauge)
  std::array<uint64_t, 600> status{};           // by status code; 0 is "no answer"
  std::vector<uint64_t> iterations_per_second;  // by the second the iteration was due
  std::vector<uint64_t> reqs_per_second;        // by the second the request was sent
  metrics::Histogram http_req_duration;
  metrics::Histogram http_req_waiting;
  metrics::Histogram sse_time_to_first_event;
  std::vector<metrics::RouteKey> routes;  // by a step's tag index (SessionBuild::tags)
  std::deque<TaggedFigures> tags;         // as first seen; a deque, so references stay good
  // By Step::id: the statuses its answers came back with and how often (0: no answer).
  std::vector<std::vector<std::pair<int, uint64_t>>> step_statuses;
  compare::DiffTally diffs;  // --compare: by route, as `routes` names them

  void count_step(int step, int status, uint64_t n = 1);

  void set_routes(const std::vector<metrics::RouteKey>& keys);
  // The figures of `route` with `status`, added when first seen (histograms are made then).
  metrics::TagFigures& tagged(int route, int status);
  metrics::TagKey key(const TaggedFigures& t) const;
  int route_index(const metrics::RouteKey& key);  // finds or adds
  void count_at(std::vector<uint64_t>& per_second, int64_t us);
  void merge(const ReplayStats& other);
  // The figures of every tag set `filter` picks (k6's {name:..,method:..,status:..}), added up.
  metrics::TagFigures matching(const std::map<std::string, std::string>& filter) const;
  metrics::FiguresByTag by_tag() const;

  // What happened between two snapshots of a run, `before` and `now` (taken at `t` seconds):
  // {t, http_reqs, http_req_failed, iterations, dropped_iterations, vus, sse_open, tags: {name:
  // {http_reqs, http_req_failed, http_req_duration}}}, counts within the interval, the
  // histograms in their sparse JSON form, gauges at `t`.
  static nlohmann::json timeline_point(const ReplayStats& before, const ReplayStats& now, double t);
  // Adds shard timelines point by point (the shards run side by side); throws InputError naming
  // `file` on a malformed point.
  static void add_timeline(nlohmann::json& into, const nlohmann::json& from, const std::string& file);

  // The summary's "counters", "status", "per_second", "vus_max", "histograms" and "tags".
  void write(nlohmann::ordered_json& summary) const;
  // Adds a summary file's figures; throws InputError naming `file` and the field.
  void add_summary(const nlohmann::json& summary, const std::string& file);

 private:
  std::vector<std::vector<uint32_t>> by_route_;  // route → indexes into `tags`, one per status
};

}  // namespace reprise::replay
