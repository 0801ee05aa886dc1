// `reprise inspect CAPTURE [--json] [--correlations [--profile F]]`: one pass over the capture
// (capture::summarize), then a readable table on stdout, or with --json the same figures under
// the stable keys docs/capture-format.md documents; with --correlations, what the session builder found to
// correlate. Printing only: the figures are CaptureSummary's and replay::build_sessions'.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "capture/CaptureReader.hpp"
#include "capture/CaptureSummary.hpp"
#include "capture/SummaryReport.hpp"
#include "cli/Commands.hpp"
#include "replay/Session.hpp"

namespace reprise::cli {

namespace {

// What automatic correlation (and the profile's rules and identities) found, session by session:
// every session that carries a live value or joins several connections.
void print_correlations(const std::string& path, const std::string& profile_path, bool json) {
  auto exchanges = capture::CaptureReader::read_all(path);
  auto profile = profile_path.empty() ? replay::Profile{} : replay::Profile::load(profile_path);
  auto built = replay::build_sessions(std::move(exchanges), profile, {profile.correlate.automatic, {}});
  nlohmann::ordered_json out = {{"capture", path}, {"sessions", nlohmann::ordered_json::array()}};
  size_t without = 0;
  for (const auto& s : built.sessions) {
    const bool carries =
        std::any_of(s.slots.begin(), s.slots.end(), [](const replay::Slot& slot) { return slot.uses > 0; });
    without += carries ? 0 : 1;
    if (!carries && s.flows.size() == 1) continue;  // nothing to say: one connection, no live value
    std::vector<std::string> keys;
    for (const auto& f : s.flows) keys.push_back(f.key);
    if (!json)
      fmt::print("session {} ({} user(s), {} requests on {} connection(s): {})\n", s.key, s.users, s.steps(),
                 s.flows.size(), fmt::join(keys, " "));
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const auto& slot : s.slots) {
      if (slot.uses == 0) continue;
      if (!json)
        fmt::print("  {:<24} carried by {} request(s); from {}\n", slot.recorded, slot.uses,
                   fmt::join(slot.origins, ", then "));
      values.push_back({{"value", slot.recorded}, {"from", slot.origins}, {"uses", slot.uses}});
    }
    out["sessions"].push_back(
        {{"session", s.key}, {"connections", keys}, {"requests", s.steps()}, {"values", values}});
  }
  if (json)
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  else
    fmt::print("{} of {} sessions carry no value handed out by an earlier answer\n", without,
               built.sessions.size());
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto correlations = std::make_shared<bool>(false);
  auto profile = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("inspect",
                                 "Routes, counts, sessions, streams, time span and redaction of a capture");
  cmd->add_option("capture", *path, "Capture file (.jsonl)")->required();
  cmd->add_flag("--json", *json, "Print JSON (stable keys, see docs/capture-format.md) instead of a table");
  cmd->add_flag("--correlations", *correlations, "List the values replay will correlate, session by session");
  cmd->add_option("--profile", *profile,
                  "With --correlations: apply this profile's correlate rules and identities");
  cmd->callback([path, json, correlations, profile, &exit_code] {
    exit_code = 0;
    if (*correlations) return print_correlations(*path, *profile, *json);
    capture::CaptureReader reader(*path);
    auto summary = capture::summarize(reader);
    if (*json)
      fmt::print("{}\n", capture::summary_json(*path, summary)
                             .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    else
      capture::print_summary_table(*path, summary);
    exit_code = 0;
  });
}

}  // namespace reprise::cli
