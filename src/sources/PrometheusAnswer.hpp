// What a Prometheus endpoint answers, turned into the one number a source stands for: the samples
// of one metric in the text exposition format (version 0.0.4, also what OpenMetrics endpoints
// serve to a plain Accept), or the result of an instant query from a server's HTTP API
// (/api/v1/query), each aggregated (sum, max, min, avg) over the series found. Pure functions
// over the answer's body; fetching it is SourcePoller's business.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace reprise::sources {

// One read: the value, or why there is none ("no sample x{a=\"b\"}", "line 12: ...").
struct Reading {
  bool ok = false;
  double value = 0;
  std::string problem;
};

// The samples named `metric` carrying every label of `labels` (others may carry more), combined
// by `aggregate`. Only lines of that metric are parsed (a malformed line of another metric
// does not spoil the read); NaN and ±Inf samples are left out (no number to judge).
Reading read_exposition(std::string_view text, const std::string& metric,
                        const std::map<std::string, std::string>& labels, const std::string& aggregate);

// The JSON body of /api/v1/query: a vector's samples or a scalar, combined by `aggregate`; an
// error answer's own words.
Reading read_query_answer(std::string_view body, const std::string& aggregate);

// A metric with its label filter as a selector reads: kafka_consumergroup_lag{topic="message.events"}.
std::string labelled(const std::string& metric, const std::map<std::string, std::string>& labels);

// sum, max, min or avg of `values`; not ok when there are none.
Reading combine(const std::vector<double>& values, const std::string& aggregate);

}  // namespace reprise::sources
