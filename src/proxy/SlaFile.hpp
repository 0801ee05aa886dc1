// The proxy's `--sla FILE` and `--routes FILE`, read once at start. An SLA file is
// {"window": "60s", "routes": {"SendMessage": "POST /api/chat/rooms/*/messages"},
//  "thresholds": {"http_req_duration{name:SendMessage}": ["p(95)<500"]}, "sources": {...}} (k6's
// blocks, judged over the rolling window; sources as a profile names them, sources/Source.hpp); a routes file
// is any JSON object with a `routes` block (an SLA file, a replay profile). Bad input throws InputError
// naming the file, the field and the problem. It must not judge anything: SlaWindow does.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "metrics/Threshold.hpp"
#include "sources/Source.hpp"

namespace reprise::proxy {

struct SlaFile {
  std::string window_text = "60s";
  std::chrono::microseconds window = std::chrono::seconds(60);
  std::map<std::string, std::string> routes;
  std::vector<metrics::Threshold> thresholds;
  std::vector<sources::Source> sources;  // gauges read from what the service reports
};

// The metrics the proxy measures: what thresholds may name.
const std::set<std::string>& proxy_metric_names();

SlaFile read_sla_file(const std::string& path);
std::map<std::string, std::string> read_routes_file(const std::string& path);

}  // namespace reprise::proxy
