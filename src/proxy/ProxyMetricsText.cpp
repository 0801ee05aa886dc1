#include "proxy/ProxyMetricsText.hpp"

#include "metrics/PrometheusText.hpp"

namespace reprise::proxy {
namespace {

using metrics::Labels;

void verdict_families(metrics::PrometheusText& out,
                      const std::vector<std::pair<Labels, const std::vector<SlaVerdict>*>>& sets) {
  auto each = [&](const auto& f) {
    for (const auto& [labels, verdicts] : sets)
      for (const auto& v : *verdicts) {
        Labels l = labels;
        l.insert(l.end(), {{"threshold", v.threshold}, {"condition", v.condition}});
        f(l, v);
      }
  };
  out.family("reprise_threshold_ok", "gauge",
             "1 unless the SLA condition fails on what was measured over the window (nothing measured is 1)");
  each([&](const Labels& l, const SlaVerdict& v) { out.sample("reprise_threshold_ok", l, v.breached ? 0 : 1); });
  out.family("reprise_threshold_value", "gauge",
             "The SLA condition's measured value over the window (absent: nothing measured)");
  each([&](const Labels& l, const SlaVerdict& v) {
    if (v.measured) out.sample("reprise_threshold_value", l, *v.measured);
  });
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
                            const std::map<std::string, uint64_t>& faults_injected, const MirrorFigures* mirror) {
  metrics::PrometheusText out;
  out.family("reprise_faults_injected_total", "counter", "Exchanges each fault acted on, by fault name");
  for (const auto& [name, n] : faults_injected)
    out.sample("reprise_faults_injected_total", {{"name", name}}, static_cast<double>(n));
  const Labels to_mirror{{"target", "mirror"}};
  std::vector<metrics::PrometheusText::TaggedSource> sources{{{}, &figures}};
  if (mirror) sources.push_back({to_mirror, &mirror->figures});
  out.tagged(sources, metrics::TaggedFamilies::all);
  std::vector<std::pair<Labels, const std::vector<SlaVerdict>*>> sets;
  if (!verdicts.empty()) sets.emplace_back(Labels{}, &verdicts);
  if (mirror && !mirror->verdicts.empty()) sets.emplace_back(to_mirror, &mirror->verdicts);
  if (!sets.empty()) verdict_families(out, sets);
  if (mirror) mirror_counts(out, mirror->state);
  return out.text();
}

}  // namespace reprise::proxy
