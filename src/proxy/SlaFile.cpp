#include "proxy/SlaFile.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "Duration.hpp"
#include "InputError.hpp"
#include "JsonFile.hpp"
#include "metrics/RouteTags.hpp"

namespace reprise::proxy {
namespace {

using nlohmann::json;

json read_json_object(const std::string& path) {
  json j = read_json_file(path);
  if (!j.is_object()) throw InputError(path, "", "must be a JSON object");
  return j;
}

}  // namespace

const std::set<std::string>& proxy_metric_names() {
  static const std::set<std::string> names = {
      "http_reqs",         "http_req_duration", "http_req_waiting",        "http_req_failed",
      "upstream_duration", "upstream_5xx",      "upstream_connect_errors", "upstream_tls_errors",
      "proxy_timeouts",    "data_sent",         "data_received",           "sse_connections",
      "sse_events"};
  return names;
}

SlaFile read_sla_file(const std::string& path) {
  json j = read_json_object(path);
  SlaFile sla;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "window" && it.key() != "routes" && it.key() != "thresholds" && it.key() != "sources")
      throw InputError(path, "field " + it.key(), "is not window, routes, thresholds or sources");
  if (j.contains("window")) {
    if (!j["window"].is_string())
      throw InputError(path, "field window", "must be a duration such as \"60s\"");
    sla.window_text = j["window"].get<std::string>();
    sla.window = parse_duration(sla.window_text, path + ":field window");
    if (sla.window < std::chrono::seconds(1))
      throw InputError(path, "field window",
                       "'" + sla.window_text + "' is shorter than the 1s between snapshots");
  }
  if (j.contains("routes")) sla.routes = metrics::parse_routes(j["routes"], path);
  if (!j.contains("thresholds")) throw InputError(path, "field thresholds", "is missing: nothing to judge");
  if (j.contains("sources")) sla.sources = sources::parse_sources(j["sources"], proxy_metric_names(), path);
  sla.thresholds = metrics::parse_thresholds(j["thresholds"],
                                             sources::with_sources(proxy_metric_names(), sla.sources), path);
  sources::check_source_thresholds(sla.sources, sla.thresholds, path);
  return sla;
}

std::map<std::string, std::string> read_routes_file(const std::string& path) {
  json j = read_json_object(path);
  if (!j.contains("routes")) throw InputError(path, "field routes", "is missing");
  return metrics::parse_routes(j["routes"], path);
}

}  // namespace reprise::proxy
