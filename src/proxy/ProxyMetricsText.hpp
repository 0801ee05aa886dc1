// The proxy's figures and its SLA verdicts in Prometheus's text format (0.0.4), k6's names
// prefixed `reprise_` with Prometheus's units: counters end in `_total`, latencies are
// histograms in seconds; every per-request family is labelled name, method and status.
// Writing only: what is measured is ProxyStats's business, what is judged SlaWindow's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proxy/ProxyStats.hpp"
#include "proxy/SlaWindow.hpp"

namespace reprise::proxy {

// `faults_injected`: each fault's injections by name (reprise_faults_injected_total{name}).
std::string prometheus_text(const ProxyFigures& figures, const std::vector<SlaVerdict>& verdicts,
                            const std::map<std::string, uint64_t>& faults_injected);

}  // namespace reprise::proxy
