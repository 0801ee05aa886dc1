#include "proxy/ProxyMetricsText.hpp"

#include "metrics/PrometheusText.hpp"

namespace reprise::proxy {

std::string prometheus_text(const metrics::FiguresByTag& figures, const std::vector<SlaVerdict>& verdicts,
                            const std::map<std::string, uint64_t>& faults_injected) {
  metrics::PrometheusText out;
  out.family("reprise_faults_injected_total", "counter", "Exchanges each fault acted on, by fault name");
  for (const auto& [name, n] : faults_injected)
    out.sample("reprise_faults_injected_total", {{"name", name}}, static_cast<double>(n));
  out.tagged(figures, metrics::TaggedFamilies::all);
  if (verdicts.empty()) return out.text();
  out.family("reprise_threshold_ok", "gauge",
             "1 unless the SLA condition fails on what was measured over the window (nothing measured is 1)");
  for (const auto& v : verdicts)
    out.sample("reprise_threshold_ok", {{"threshold", v.threshold}, {"condition", v.condition}},
               v.breached ? 0 : 1);
  out.family("reprise_threshold_value", "gauge",
             "The SLA condition's measured value over the window (absent: nothing measured)");
  for (const auto& v : verdicts)
    if (v.measured)
      out.sample("reprise_threshold_value", {{"threshold", v.threshold}, {"condition", v.condition}},
                 *v.measured);
  return out.text();
}

}  // namespace reprise::proxy
