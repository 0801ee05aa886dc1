#include "proxy/SlaWindow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace reprise::proxy {
namespace {

using Kind = metrics::MetricValues::Kind;
using metrics::Histogram;

bool is_trend(const std::string& metric) {
  return metric == "http_req_duration" || metric == "http_req_waiting" || metric == "upstream_duration";
}

const Histogram* trend_of(const std::string& metric, const metrics::TagFigures& f) {
  if (metric == "http_req_duration") return &f.http_req_duration;
  if (metric == "http_req_waiting") return &f.http_req_waiting;
  if (metric == "upstream_duration") return &f.upstream_duration;
  return nullptr;
}

uint64_t counter_of(const std::string& metric, const metrics::TagFigures& f) {
  if (metric == "http_reqs") return f.http_reqs;
  if (metric == "upstream_5xx") return f.upstream_5xx;
  if (metric == "upstream_connect_errors") return f.upstream_connect_errors;
  if (metric == "upstream_tls_errors") return f.upstream_tls_errors;
  if (metric == "proxy_timeouts") return f.proxy_timeouts;
  if (metric == "data_sent") return f.data_sent;
  if (metric == "data_received") return f.data_received;
  if (metric == "sse_events") return f.sse_events;
  return 0;
}

std::string number(double v) {
  return std::fabs(v) >= 1000 ? fmt::format("{:.1f}", v) : fmt::format("{:.4g}", v);
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string SlaChange::text(const std::string& window) const {
  std::string measured =
      verdict.measured ? "measured " + number(*verdict.measured) : std::string("nothing measured");
  std::string out = fmt::format("SLA breach {}: {} {} {} over the last {}", started ? "started" : "ended",
                                verdict.threshold, verdict.condition, measured, window);
  if (!started) out += fmt::format("; lasted {:.0f}s", seconds(lasted));
  return out;
}

SlaWindow::SlaWindow(std::vector<metrics::Threshold> thresholds, std::chrono::microseconds window,
                     std::string window_text)
    : thresholds_(std::move(thresholds)),
      window_(window),
      window_text_(std::move(window_text)),
      step_(std::max<clock::duration>(std::chrono::seconds(1), window / 120)) {
  for (const auto& t : thresholds_)
    for (const auto& c : t.conditions) verdicts_.push_back({t.text, c.text, std::nullopt, false, {}});
}

SlaWindow::Picked SlaWindow::pick(const metrics::Threshold& t, const metrics::FiguresByTag& figures) const {
  Picked p;
  if (is_trend(t.metric)) p.trend.emplace();
  for (const auto& [key, f] : figures) {
    if (!key.matches(t.tags)) continue;
    p.reqs += f.http_reqs;
    p.failed += f.http_req_failed;
    p.count += counter_of(t.metric, f);
    p.gauge += f.sse_open;
    if (p.trend) p.trend->merge(*trend_of(t.metric, f));
  }
  return p;
}

std::vector<SlaChange> SlaWindow::add(const metrics::FiguresByTag& cumulative, clock::time_point now,
                                      const Gauges& gauges) {
  Snapshot snap{now, {}};
  for (const auto& t : thresholds_) snap.picked.push_back(pick(t, cumulative));
  snapshots_.push_back(std::move(snap));
  // The front becomes the newest snapshot at least `window` old (or the oldest there is).
  while (snapshots_.size() >= 2 && snapshots_[1].at <= now - window_) snapshots_.pop_front();

  const Snapshot& first = snapshots_.front();
  const Snapshot& last = snapshots_.back();
  std::vector<Picked> diffs;
  for (size_t i = 0; i < thresholds_.size(); ++i) diffs.push_back(since(last.picked[i], first.picked[i]));
  const double span = std::max(seconds(last.at - first.at), 1e-3);
  auto judged = metrics::judge(thresholds_, [&](const metrics::Threshold& t) {
    size_t i = static_cast<size_t>(&t - thresholds_.data());
    if (auto gauge = gauges.find(t.metric); gauge != gauges.end())
      return std::optional(metrics::MetricValues::of_gauge(gauge->second));
    auto values = window_values(i, diffs[i]);
    if (values && values->kind == Kind::counter) values->per_second = values->count / span;
    return values;
  });

  return track_breaches(judged, now);
}

SlaWindow::Picked SlaWindow::since(const Picked& later, const Picked& earlier) {
  auto minus = [](uint64_t b, uint64_t a) { return b - std::min(b, a); };
  Picked d;
  d.reqs = minus(later.reqs, earlier.reqs);
  d.failed = minus(later.failed, earlier.failed);
  d.count = minus(later.count, earlier.count);
  d.gauge = later.gauge;
  if (later.trend) d.trend = later.trend->since(*earlier.trend);
  return d;
}

std::vector<SlaChange> SlaWindow::track_breaches(const std::vector<metrics::Verdict>& judged,
                                                 clock::time_point now) {
  std::vector<SlaChange> changes;
  for (size_t i = 0; i < judged.size(); ++i) {
    SlaVerdict& v = verdicts_[i];
    const bool was = v.breached;
    v.measured = judged[i].actual;
    v.breached = judged[i].actual && !judged[i].ok;
    if (v.breached && !was) {
      v.since = now;
      changes.push_back({true, v, {}});
    } else if (!v.breached && was) {
      changes.push_back({false, v, now - v.since});
    }
  }
  return changes;
}

// The figures judge() reads for one threshold, or nullopt when no matching request ended in the
// window (and, for the gauge, no stream is open).
std::optional<metrics::MetricValues> SlaWindow::window_values(size_t i, Picked& d) const {
  const std::string& metric = thresholds_[i].metric;
  metrics::MetricValues v;
  if (metric == "sse_connections") {
    if (d.reqs == 0 && d.gauge == 0) return std::nullopt;
    return metrics::MetricValues::of_gauge(metrics::GaugeStats::of(static_cast<double>(d.gauge)));
  }
  if (d.reqs == 0) return std::nullopt;
  if (d.trend) {
    v.kind = Kind::trend;
    v.trend = &*d.trend;
  } else if (metric == "http_req_failed") {
    v.kind = Kind::rate;
    v.passes = d.failed;
    v.total = d.reqs;
  } else {
    v.kind = Kind::counter;
    v.count = static_cast<double>(d.count);
  }
  return v;
}

nlohmann::ordered_json SlaWindow::to_json(clock::time_point now) const {
  nlohmann::ordered_json out;
  out["window"] = window_text_;
  out["measured_over_s"] = snapshots_.empty() ? 0.0 : seconds(snapshots_.back().at - snapshots_.front().at);
  bool ok = true;
  auto list = nlohmann::ordered_json::array();
  for (const auto& v : verdicts_) {
    nlohmann::ordered_json j = {{"threshold", v.threshold}, {"condition", v.condition}};
    j["measured"] = v.measured ? nlohmann::ordered_json(*v.measured) : nlohmann::ordered_json(nullptr);
    j["state"] = v.breached ? "fail" : v.measured ? "pass" : "no data";
    if (v.breached) j["breached_for_s"] = std::round(seconds(now - v.since));
    ok = ok && !v.breached;
    list.push_back(std::move(j));
  }
  out["ok"] = ok;
  out["verdicts"] = std::move(list);
  return out;
}

}  // namespace reprise::proxy
