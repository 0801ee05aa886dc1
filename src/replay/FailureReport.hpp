// Why requests failed: at the end of a run, each step's recorded status against the statuses it
// was answered with, added up per route into one table, and for a concentration of failures
// with a known cause one line naming the cause and the fix (a conflict on a value that must be
// unique, a 401 after the login that hands out the token failed, a credential no answer in the
// capture handed out). Made from the steps' notes (replay/Session) and their counts
// (ReplayStats::step_statuses); kept in the summary as "steps", so that a merge of shards
// and the HTML report explain the same way. It prints and serialises; it does not judge
// thresholds nor draw the report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/HtmlReport.hpp"
#include "replay/ReplayStats.hpp"
#include "replay/Session.hpp"

namespace reprise::replay {

std::string expected_text(const ExpectedStatuses& expected);  // "recorded" or "200-399,404"
// The inverse, for a summary's "expected_statuses"; throws InputError naming `file`.
ExpectedStatuses expected_from_text(const std::string& text, const std::string& file);
std::string status_text(int status);  // "404", or "none" for no answer

// One line of the table: the answers a route got with one replayed status where the recording
// had another (or the same).
struct StatusRow {
  metrics::RouteKey route;
  int recorded = 0, replayed = 0;  // 0: no answer
  uint64_t count = 0;
  bool failed = false;  // these answers count in http_req_failed
};

std::vector<StatusRow> status_table(const std::vector<StepNote>& notes, const ReplayStats& stats,
                                    const ExpectedStatuses& expected);

// One line per step whose failures a known cause explains, the most failures first.
std::vector<std::string> explain_failures(const std::vector<StepNote>& notes, const ReplayStats& stats,
                                          const ExpectedStatuses& expected);

// The table and the explanations on stdout (nothing when no request was answered).
void print_failures(const std::vector<StepNote>& notes, const ReplayStats& stats,
                    const ExpectedStatuses& expected);

// The table and the explanations read from a summary's "steps" and "expected_statuses", for the
// HTML report (empty when the summary has no steps or no request was answered).
metrics::StatusSection status_section(const nlohmann::json& summary);

// The summary's "steps": every step that was sent, its note and its statuses.
nlohmann::ordered_json steps_json(const std::vector<StepNote>& notes, const ReplayStats& stats);
// The inverse, for merge: adds a summary's steps to `notes` (by label) and their counts to
// `stats`; throws InputError naming `file` on a malformed entry.
void add_steps(const nlohmann::json& steps, const std::string& file, std::vector<StepNote>& notes,
               ReplayStats& stats);

}  // namespace reprise::replay
