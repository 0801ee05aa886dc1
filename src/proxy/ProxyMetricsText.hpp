// What the proxy's GET /metrics page holds, in Prometheus's text format: the injections of each
// fault, every (name, method, status) combination's figures (all of metrics::TagFigures's
// families) and the SLA window's verdicts, and with --mirror the same for the mirror's copies
// (labelled target="mirror") with the mirror's counts. The format and the figures' families are written by
// metrics::PrometheusText, the same writer as replay's --metrics; this file only chooses what
// the page shows. What is measured is TagSeries's business, what is judged SlaWindow's.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/TagFigures.hpp"
#include "proxy/SlaWindow.hpp"

namespace reprise::proxy {

// The mirror's side of the page: its copies' figures and verdicts (labelled target="mirror")
// and its counts (Mirror::state()).
struct MirrorFigures {
  metrics::FiguresByTag figures;
  std::vector<SlaVerdict> verdicts;
  nlohmann::ordered_json state;
};

// `faults_injected`: each fault's injections by name (reprise_faults_injected_total{name}).
std::string prometheus_text(const metrics::FiguresByTag& figures, const std::vector<SlaVerdict>& verdicts,
                            const std::map<std::string, uint64_t>& faults_injected,
                            const MirrorFigures* mirror = nullptr);

}  // namespace reprise::proxy
