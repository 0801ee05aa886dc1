// The HTML report of a replay or a merge (`--report FILE.html`): one self-contained page made
// from the summary JSON (what replay/RunSummary writes and `reprise merge` reproduces): the
// run's header and verdict, the thresholds' table, a drill's fault windows, k6's end-of-test
// summary (trends with avg, min, med, max, p(90), p(95), p(99); counters and rates), the
// statuses by route with why requests failed, response comparison by route, and the timeline's
// charts as inline SVG. The statuses are the replay's reading of the summary's steps
// (replay/FailureReport), handed in ready to show. It must not reach the network: no script, no link, no remote font or image;
// every string taken from the summary is escaped.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace reprise::metrics {

// The statuses each route got against the recorded ones, and one line per known cause of a
// concentration of failures. Empty rows: the report has no such section.
struct StatusSection {
  struct Row {
    std::string route, method;
    std::string recorded, replayed;  // "404", or "none" for no answer
    uint64_t count = 0;
    bool failed = false;  // these answers count in http_req_failed
  };
  std::string expected;  // the expected statuses as written: "recorded" or "200-399,404"
  std::vector<Row> rows;
  std::vector<std::string> why;
};

std::string html_report(const nlohmann::json& summary, const StatusSection& statuses = {});

}  // namespace reprise::metrics
