// The Prometheus text exposition format (version 0.0.4), the one writer of the proxy's /metrics
// and replay's --metrics: counters, gauges and histograms, each family with its HELP and TYPE
// lines, and the families of metrics::TagFigures under k6's names prefixed `reprise_`, with
// Prometheus's units (counters end in `_total`, latencies are histograms in seconds with fixed
// `le` bounds from 1 ms to 60 s), labelled name, method and status. Each family's name, type and
// help are written here once, whichever command shows it. Writing only: what the values are is
// the caller's business.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/Histogram.hpp"
#include "metrics/TagFigures.hpp"

namespace reprise::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The families of TagFigures, in the order they are written.
enum class Figure {
  http_reqs,
  http_req_failed,
  upstream_5xx,
  upstream_connect_errors,
  upstream_tls_errors,
  proxy_timeouts,
  data_sent,
  data_received,
  http_req_duration,
  http_req_waiting,
  upstream_duration,
  sse_connections,
  sse_events,
};

// Which of them a source keeps per tag: the request families every source keeps (http_reqs,
// http_req_failed, http_req_duration, http_req_waiting), or all of them (the proxy).
enum class TaggedFamilies { requests, all };

class PrometheusText {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family; its samples follow. `type` is "counter", "gauge" or "histogram".
  void family(const std::string& name, const std::string& type, const std::string& help);
  void sample(const std::string& name, const Labels& labels, double value);
  // A histogram family's samples for one label set: _bucket{le=...}, _sum and _count.
  void histogram(const std::string& name, const Labels& labels, const Histogram& us);

  // The families `which` names, one sample (or histogram) per tag set; the event stream
  // families only for tag sets that have had a stream. Several sources (the proxy's upstream,
  // its mirror) share each family, told apart by labels of their own (target="mirror").
  struct TaggedSource {
    Labels labels;
    const FiguresByTag* figures;
  };
  void tagged(const std::vector<TaggedSource>& sources, TaggedFamilies which);
  void tagged(const FiguresByTag& figures, TaggedFamilies which) { tagged({{{}, &figures}}, which); }
  // One of those counter or gauge families as one unlabelled sample, for a source that keeps
  // it for the whole run only.
  void run_wide(Figure figure, double value);

  // Where each threshold condition stands: reprise_threshold_ok{threshold,condition} (1 unless
  // it fails on something measured) and reprise_threshold_value{...} (absent while nothing was
  // measured). The proxy judges its SLA window, replay the run so far; `labels` come first
  // (target="mirror").
  struct ThresholdState {
    Labels labels;
    std::string threshold;  // as written
    std::string condition;  // as written
    std::optional<double> measured;
    bool failing = false;  // measured, and the condition fails
  };
  void thresholds(const std::vector<ThresholdState>& states);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace reprise::metrics
