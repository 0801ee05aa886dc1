#include "proxy/ProxyMetricsText.hpp"

#include "metrics/PrometheusText.hpp"

namespace reprise::proxy {
namespace {

using metrics::Labels;

void add_states(std::vector<metrics::PrometheusText::ThresholdState>& states, const Labels& labels,
                const std::vector<SlaVerdict>& verdicts) {
  for (const auto& v : verdicts) states.push_back({labels, v.threshold, v.condition, v.measured, v.breached});
}

void mirror_counts(metrics::PrometheusText& out, const nlohmann::ordered_json& state) {
  auto count = [&](const char* name, const nlohmann::ordered_json& value, Labels labels = {}) {
    out.sample(name, labels, value.get<double>());
  };
  out.family("reprise_mirror_copies_total", "counter", "Copies of client requests sent to the mirror");
  count("reprise_mirror_copies_total", state["copies"]);
  out.family("reprise_mirror_dropped_total", "counter",
             "Copies not sent because the mirror fell behind (its queue was full)");
  count("reprise_mirror_dropped_total", state["dropped"]);
  out.family("reprise_mirror_skipped_total", "counter",
             "Requests never copied: WebSocket upgrades, bodies over --mirror-body-limit");
  count("reprise_mirror_skipped_total", state["skipped"]["websocket"], {{"reason", "websocket"}});
  count("reprise_mirror_skipped_total", state["skipped"]["body_limit"], {{"reason", "body_limit"}});
  out.family("reprise_mirror_shadow_users_total", "counter", "Shadow users made on the mirror");
  count("reprise_mirror_shadow_users_total", state["shadow_users"]);
  out.family("reprise_mirror_pending", "gauge", "Copies waiting to be sent to the mirror");
  count("reprise_mirror_pending", state["pending"]);
}

}  // namespace

std::string prometheus_text(const metrics::FiguresByTag& figures, const std::vector<SlaVerdict>& verdicts,
                            const std::map<std::string, uint64_t>& faults_injected,
                            const MirrorFigures* mirror) {
  metrics::PrometheusText out;
  out.family("reprise_faults_injected_total", "counter", "Exchanges each fault acted on, by fault name");
  for (const auto& [name, n] : faults_injected)
    out.sample("reprise_faults_injected_total", {{"name", name}}, static_cast<double>(n));
  const Labels to_mirror{{"target", "mirror"}};
  std::vector<metrics::PrometheusText::TaggedSource> sources{{{}, &figures}};
  if (mirror) sources.push_back({to_mirror, &mirror->figures});
  out.tagged(sources, metrics::TaggedFamilies::all);
  std::vector<metrics::PrometheusText::ThresholdState> states;
  add_states(states, {}, verdicts);
  if (mirror) add_states(states, to_mirror, mirror->verdicts);
  if (!states.empty()) out.thresholds(states);
  if (mirror) mirror_counts(out, mirror->state);
  return out.text();
}

}  // namespace reprise::proxy
