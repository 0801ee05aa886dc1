#include "replay/RunMetricsText.hpp"

#include "metrics/PrometheusText.hpp"

namespace reprise::replay {

std::string prometheus_text(const RunResult& r, const std::vector<metrics::Verdict>& verdicts) {
  using metrics::Figure;
  const ReplayStats& s = r.stats;
  metrics::PrometheusText out;
  auto counter = [&](const std::string& name, const std::string& help, uint64_t value) {
    out.family(name + "_total", "counter", help);
    out.sample(name + "_total", {}, static_cast<double>(value));
  };
  out.tagged(s.by_tag(), metrics::TaggedFamilies::requests);
  counter("reprise_iterations", "Sessions replayed to their end", s.iterations);
  counter("reprise_dropped_iterations", "Iterations due that no VU was free for", s.dropped_iterations);
  out.run_wide(Figure::data_sent, static_cast<double>(s.data_sent));
  out.run_wide(Figure::data_received, static_cast<double>(s.data_received));
  out.run_wide(Figure::sse_events, static_cast<double>(s.sse_events));
  out.family("reprise_vus", "gauge", "VUs made so far");
  out.sample("reprise_vus", {}, static_cast<double>(s.vus_max));
  out.run_wide(Figure::sse_connections, static_cast<double>(s.sse_open));
  out.family("reprise_sse_time_to_first_event_seconds", "histogram",
             "From a stream's request to its first event");
  out.histogram("reprise_sse_time_to_first_event_seconds", {}, s.sse_time_to_first_event);
  // A condition on nothing measured yet is not failing (as on the proxy): the run's verdict,
  // where it does fail, is judged at the end.
  std::vector<metrics::PrometheusText::ThresholdState> states;
  for (const auto& v : verdicts)
    states.push_back({{}, v.threshold, v.condition, v.actual, v.actual && !v.ok});
  if (!states.empty()) out.thresholds(states);
  return out.text();
}

}  // namespace reprise::replay
