// A `sources` block of a profile or an SLA file: metrics whose values come from what the service
// itself reports, polled during the run and judged as gauges. Two kinds:
//   "notification_lag": {"prometheus": "http://host:port/metrics", "metric": "kafka_consumergroup_lag",
//                        "labels": {"topic": "message.events"}, "aggregate": "sum", "every": "5s"}
//   "notification_lag": {"promql": "sum(kafka_consumergroup_lag)", "server": "http://host:9090",
//                        "every": "5s"}
// Parsing and checking only (every mistake is an InputError naming the file and the field);
// reading them is SourcePoller's business.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "metrics/Threshold.hpp"
#include "net/Address.hpp"

namespace reprise::sources {

struct Source {
  enum class Kind { exposition, promql };
  std::string name;  // the metric thresholds name
  Kind kind = Kind::exposition;
  std::string url;         // as written: the endpoint, or the Prometheus server
  net::WebResource where;  // what is fetched (for promql: the server's /api/v1/query?query=...)
  std::string metric;      // exposition: the sample name
  std::map<std::string, std::string> labels;  // exposition: labels a sample must carry
  std::string query;                          // promql
  std::string aggregate = "sum";              // over the series read: sum, max, min or avg
  std::chrono::microseconds every = std::chrono::seconds(5);

  // "kafka_consumergroup_lag{topic=\"message.events\"} at http://h:9308/metrics (sum)" or
  // "promql sum(x) at http://h:9090"
  std::string description() const;
};

// The block; `taken` are the metric names reprise measures itself, which a source may not reuse.
std::vector<Source> parse_sources(const nlohmann::json& block, const std::set<std::string>& taken,
                                  const std::string& file);

// `known` with the sources' names added: what thresholds may name.
std::set<std::string> with_sources(std::set<std::string> known, const std::vector<Source>& sources);

// A source's gauge has no tags to filter by: a threshold on one with tags is refused.
void check_source_thresholds(const std::vector<Source>& sources,
                             const std::vector<metrics::Threshold>& thresholds, const std::string& file);

}  // namespace reprise::sources
