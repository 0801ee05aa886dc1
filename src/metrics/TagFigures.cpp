#include "metrics/TagFigures.hpp"

#include <algorithm>

#include "http/MessageHead.hpp"

namespace reprise::metrics {

bool TagKey::matches(const std::map<std::string, std::string>& filter) const {
  for (const auto& [tag, value] : filter) {
    if (tag == "name" && value != name) return false;
    if (tag == "method" && !http::iequals(value, method)) return false;
    if (tag == "status" && value != std::to_string(status)) return false;
  }
  return true;
}

void TagFigures::add(const TagFigures& o) {
  http_reqs += o.http_reqs;
  http_req_failed += o.http_req_failed;
  upstream_5xx += o.upstream_5xx;
  upstream_connect_errors += o.upstream_connect_errors;
  upstream_tls_errors += o.upstream_tls_errors;
  proxy_timeouts += o.proxy_timeouts;
  data_sent += o.data_sent;
  data_received += o.data_received;
  sse_events += o.sse_events;
  sse_open += o.sse_open;
  http_req_duration.merge(o.http_req_duration);
  http_req_waiting.merge(o.http_req_waiting);
  upstream_duration.merge(o.upstream_duration);
}

TagFigures TagFigures::since(const TagFigures& e) const {
  auto minus = [](uint64_t now, uint64_t before) { return now - std::min(now, before); };
  TagFigures out;
  out.http_reqs = minus(http_reqs, e.http_reqs);
  out.http_req_failed = minus(http_req_failed, e.http_req_failed);
  out.upstream_5xx = minus(upstream_5xx, e.upstream_5xx);
  out.upstream_connect_errors = minus(upstream_connect_errors, e.upstream_connect_errors);
  out.upstream_tls_errors = minus(upstream_tls_errors, e.upstream_tls_errors);
  out.proxy_timeouts = minus(proxy_timeouts, e.proxy_timeouts);
  out.data_sent = minus(data_sent, e.data_sent);
  out.data_received = minus(data_received, e.data_received);
  out.sse_events = minus(sse_events, e.sse_events);
  out.sse_open = sse_open;
  out.http_req_duration = http_req_duration.since(e.http_req_duration);
  out.http_req_waiting = http_req_waiting.since(e.http_req_waiting);
  out.upstream_duration = upstream_duration.since(e.upstream_duration);
  return out;
}

void add_figures(FiguresByTag& into, const FiguresByTag& from) {
  for (const auto& [key, figures] : from) into[key].add(figures);
}

}  // namespace reprise::metrics
