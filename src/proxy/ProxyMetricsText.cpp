#include "proxy/ProxyMetricsText.hpp"

#include "metrics/PrometheusText.hpp"

namespace reprise::proxy {
namespace {

metrics::Labels labels(const SeriesKey& k) {
  return {{"name", k.name}, {"method", k.method}, {"status", std::to_string(k.status)}};
}

struct Counter {
  const char* name;
  const char* help;
  uint64_t SeriesFigures::*field;
};

constexpr Counter kCounters[] = {
    {"reprise_http_reqs_total", "Requests answered (or not: status 0), by name tag, method and status",
     &SeriesFigures::http_reqs},
    {"reprise_http_req_failed_total", "Requests answered from 400 up, or not answered",
     &SeriesFigures::http_req_failed},
    {"reprise_upstream_5xx_total", "5xx answers the upstream sent", &SeriesFigures::upstream_5xx},
    {"reprise_upstream_connect_errors_total", "The proxy's 502s: the upstream refused or was unreachable",
     &SeriesFigures::upstream_connect_errors},
    {"reprise_proxy_timeouts_total",
     "The proxy's 504s (connect or response timeout), and answers cut after --response-timeout of silence",
     &SeriesFigures::proxy_timeouts},
    {"reprise_data_sent_bytes_total", "Bytes written to clients", &SeriesFigures::data_sent},
    {"reprise_data_received_bytes_total", "Bytes read from clients", &SeriesFigures::data_received},
};

struct Trend {
  const char* name;
  const char* help;
  metrics::Histogram SeriesFigures::*field;
};

constexpr Trend kTrends[] = {
    {"reprise_http_req_duration_seconds",
     "From the request's head to the last byte of its answer (streams left out)",
     &SeriesFigures::http_req_duration},
    {"reprise_http_req_waiting_seconds", "From the request's head to the first byte of the upstream's answer",
     &SeriesFigures::http_req_waiting},
    {"reprise_upstream_duration_seconds",
     "From the request written upstream to the upstream's answer complete (streams left out)",
     &SeriesFigures::upstream_duration},
};

bool has_streams(const SeriesFigures& f) { return f.sse_open > 0 || f.sse_events > 0; }

}  // namespace

std::string prometheus_text(const ProxyFigures& figures, const std::vector<SlaVerdict>& verdicts,
                            const std::map<std::string, uint64_t>& faults_injected) {
  metrics::PrometheusText out;
  out.family("reprise_faults_injected_total", "counter", "Exchanges each fault acted on, by fault name");
  for (const auto& [name, n] : faults_injected)
    out.sample("reprise_faults_injected_total", {{"name", name}}, static_cast<double>(n));
  for (const auto& c : kCounters) {
    out.family(c.name, "counter", c.help);
    for (const auto& [key, f] : figures) out.sample(c.name, labels(key), static_cast<double>(f.*c.field));
  }
  for (const auto& t : kTrends) {
    out.family(t.name, "histogram", t.help);
    for (const auto& [key, f] : figures) out.histogram(t.name, labels(key), f.*t.field);
  }
  out.family("reprise_sse_connections", "gauge", "Event streams being proxied now");
  for (const auto& [key, f] : figures)
    if (has_streams(f)) out.sample("reprise_sse_connections", labels(key), static_cast<double>(f.sse_open));
  out.family("reprise_sse_events_total", "counter", "Server-sent events passed to clients");
  for (const auto& [key, f] : figures)
    if (has_streams(f))
      out.sample("reprise_sse_events_total", labels(key), static_cast<double>(f.sse_events));
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
