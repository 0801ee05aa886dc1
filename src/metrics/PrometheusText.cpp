#include "metrics/PrometheusText.hpp"

#include <fmt/format.h>

namespace reprise::metrics {
namespace {

constexpr double kBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Label values escape backslash, quote and newline.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels_text(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels)
    out += fmt::format("{}{}=\"{}\"", out.size() > 1 ? "," : "", k, label_value(v));
  return out + "}";
}

Labels labels(const Labels& extra, const TagKey& k) {
  Labels out = extra;
  out.insert(out.end(), {{"name", k.name}, {"method", k.method}, {"status", std::to_string(k.status)}});
  return out;
}

// A family of TagFigures: a counter or gauge read by `value`, or a histogram read by `trend`.
struct Family {
  const char* name;
  const char* type;
  const char* help;
  bool every_source;  // kept per tag by the replayer as well as the proxy
  double (*value)(const TagFigures&);
  const Histogram& (*trend)(const TagFigures&);
};

template <auto Field>
double count(const TagFigures& f) {
  return static_cast<double>(f.*Field);
}
template <auto Field>
const Histogram& latency(const TagFigures& f) {
  return f.*Field;
}

// By Figure.
constexpr Family kFamilies[] = {
    {"reprise_http_reqs_total", "counter", "Requests, by name tag, method and status (0: no answer)", true,
     count<&TagFigures::http_reqs>, nullptr},
    {"reprise_http_req_failed_total", "counter",
     "Requests not answered, or answered with a failed status (the proxy: from 400 up; replay: one the "
     "profile does not expect)",
     true, count<&TagFigures::http_req_failed>, nullptr},
    {"reprise_upstream_5xx_total", "counter", "5xx answers the upstream sent", false,
     count<&TagFigures::upstream_5xx>, nullptr},
    {"reprise_upstream_connect_errors_total", "counter",
     "The proxy's 502s: the upstream refused or was unreachable", false,
     count<&TagFigures::upstream_connect_errors>, nullptr},
    {"reprise_upstream_tls_errors_total", "counter",
     "The proxy's 502s: the TLS handshake with the upstream failed (its certificate, most often)", false,
     count<&TagFigures::upstream_tls_errors>, nullptr},
    {"reprise_proxy_timeouts_total", "counter",
     "The proxy's 504s (connect or response timeout), and answers cut after --response-timeout of silence",
     false, count<&TagFigures::proxy_timeouts>, nullptr},
    {"reprise_data_sent_bytes_total", "counter", "Bytes sent (the proxy: to clients; replay: to the target)",
     false, count<&TagFigures::data_sent>, nullptr},
    {"reprise_data_received_bytes_total", "counter",
     "Bytes received (the proxy: from clients; replay: from the target)", false,
     count<&TagFigures::data_received>, nullptr},
    {"reprise_http_req_duration_seconds", "histogram",
     "From the request's start (replay: its intended start) to the last byte of its answer (streams left "
     "out)",
     true, nullptr, latency<&TagFigures::http_req_duration>},
    {"reprise_http_req_waiting_seconds", "histogram",
     "From the request's start to the first byte of its answer", true, nullptr,
     latency<&TagFigures::http_req_waiting>},
    {"reprise_upstream_duration_seconds", "histogram",
     "From the request written upstream to the upstream's answer complete (streams left out)", false, nullptr,
     latency<&TagFigures::upstream_duration>},
    {"reprise_sse_connections", "gauge", "Event streams open now", false, count<&TagFigures::sse_open>,
     nullptr},
    {"reprise_sse_events_total", "counter", "Server-sent events received (the proxy: passed on to clients)",
     false, count<&TagFigures::sse_events>, nullptr},
};

const Family& family_of(Figure f) { return kFamilies[static_cast<size_t>(f)]; }

bool is_stream_family(const Family& f) {
  return &f == &family_of(Figure::sse_connections) || &f == &family_of(Figure::sse_events);
}

bool has_streams(const TagFigures& f) { return f.sse_open > 0 || f.sse_events > 0; }

}  // namespace

void PrometheusText::family(const std::string& name, const std::string& type, const std::string& help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(const std::string& name, const Labels& labels, double value) {
  out_ += fmt::format("{}{} {}\n", name, labels_text(labels), value);
}

void PrometheusText::histogram(const std::string& name, const Labels& labels, const Histogram& us) {
  for (double le : kBounds) {
    Labels with = labels;
    with.emplace_back("le", fmt::format("{}", le));
    sample(name + "_bucket", with, static_cast<double>(us.count_at_most(static_cast<uint64_t>(le * 1e6))));
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  sample(name + "_bucket", inf, static_cast<double>(us.count()));
  sample(name + "_sum", labels, static_cast<double>(us.sum()) / 1e6);
  sample(name + "_count", labels, static_cast<double>(us.count()));
}

void PrometheusText::tagged(const std::vector<TaggedSource>& sources, TaggedFamilies which) {
  for (const auto& fam : kFamilies) {
    if (which == TaggedFamilies::requests && !fam.every_source) continue;
    family(fam.name, fam.type, fam.help);
    for (const auto& source : sources)
      for (const auto& [key, f] : *source.figures) {
        if (is_stream_family(fam) && !has_streams(f)) continue;
        if (fam.trend)
          histogram(fam.name, labels(source.labels, key), fam.trend(f));
        else
          sample(fam.name, labels(source.labels, key), fam.value(f));
      }
  }
}

void PrometheusText::run_wide(Figure figure, double value) {
  const Family& fam = family_of(figure);
  family(fam.name, fam.type, fam.help);
  sample(fam.name, {}, value);
}

void PrometheusText::thresholds(const std::vector<ThresholdState>& states) {
  auto labels_of = [](const ThresholdState& s) {
    Labels l = s.labels;
    l.insert(l.end(), {{"threshold", s.threshold}, {"condition", s.condition}});
    return l;
  };
  family("reprise_threshold_ok", "gauge",
         "1 unless the threshold condition fails on what was measured (the proxy: over its SLA window; "
         "replay: the run so far); nothing measured is 1");
  for (const auto& s : states) sample("reprise_threshold_ok", labels_of(s), s.failing ? 0 : 1);
  family("reprise_threshold_value", "gauge",
         "The threshold condition's measured value (the proxy: over its SLA window; replay: the run so "
         "far); absent while nothing was measured");
  for (const auto& s : states)
    if (s.measured) sample("reprise_threshold_value", labels_of(s), *s.measured);
}

}  // namespace reprise::metrics
