#include "replay/FailureReport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "InputError.hpp"
#include "replay/Identities.hpp"

namespace reprise::replay {
namespace {

bool success(int status) { return status >= 200 && status < 400; }

std::string route_text(const metrics::RouteKey& r) { return r.name + " " + r.method; }

// A step's answers: all of them, the failed ones, and the failed ones by status.
struct Outcome {
  uint64_t answers = 0, failed = 0;
  std::map<int, uint64_t> failed_by_status;
};

Outcome outcome_of(const StepNote& note, const std::vector<std::pair<int, uint64_t>>& statuses,
                   const ExpectedStatuses& expected) {
  Outcome o;
  for (auto [status, n] : statuses) {
    o.answers += n;
    if (!failed_status(expected, status, note.recorded_status)) continue;
    o.failed += n;
    o.failed_by_status[status] += n;
  }
  return o;
}

const std::vector<std::pair<int, uint64_t>>& statuses_of(const ReplayStats& stats, size_t step) {
  static const std::vector<std::pair<int, uint64_t>> none;
  return step < stats.step_statuses.size() ? stats.step_statuses[step] : none;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The cause of a step's failures, if a known one fits; empty otherwise.
std::string cause_of(const StepNote& note, int status, const std::vector<StepNote>& notes,
                     const std::vector<Outcome>& outcomes) {
  const bool conflict = status == 400 || status == 409 || status == 422;
  if (conflict && success(note.recorded_status)) {
    for (const auto& [field, value_template] : note.identities)
      if (!value_template.empty() && template_repeats(value_template, note.users))
        return fmt::format(
            "its identity '{}' comes from the template \"{}\", which gives the same value again (on every "
            "iteration of a VU, or to every user of a group): put {{copy}} in it (unique per copy of a user)",
            field, value_template);
    if (!note.literal_fields.empty())
      return fmt::format(
          "it sends {} as recorded, so every copy repeats the recorded user's values: add the one that must "
          "be "
          "unique to the profile's identities (\"identities\": {{\"template\": {{\"{}\": "
          "\"...{{copy}}\"}}}})",
          joined(note.literal_fields), note.literal_fields.front());
    std::vector<std::string> automatic;
    for (const auto& [field, value_template] : note.identities)
      if (value_template.empty()) automatic.push_back(field);
    if (!automatic.empty())
      return fmt::format(
          "the service refused the unique values made for {}: give the field a template it accepts in the "
          "profile's identities",
          joined(automatic));
  }
  if ((status == 401 || status == 403) && success(note.recorded_status)) {
    for (int input : note.inputs) {
      const auto& o = outcomes[static_cast<size_t>(input)];
      if (o.failed == 0) continue;
      std::string how;
      for (auto [s, n] : o.failed_by_status)
        how += (how.empty() ? "" : ", ") + fmt::format("{} × {}", n, status_text(s));
      return fmt::format(
          "the answer that hands out a value it sends ({}) failed {} times ({}): fix that first",
          notes[static_cast<size_t>(input)].label, o.failed, how);
    }
    if (note.unresolved_credential)
      return "it sends an Authorization or Cookie value that no answer in the capture handed out (did the "
             "capture start after the login?): record the login too, or name the value's source in "
             "\"correlate\": {\"extract\": [...]}";
  }
  if ((status == 404 || status == 403) && success(note.recorded_status) && !note.unresolved_ids.empty())
    return fmt::format(
        "its path carries {}, which no answer in the capture handed out (it existed before the recording): "
        "record its creation too, or create it on the target before the replay",
        joined(note.unresolved_ids));
  return {};
}

}  // namespace

std::string status_text(int status) { return status == 0 ? "none" : std::to_string(status); }

ExpectedStatuses expected_from_text(const std::string& text, const std::string& file) {
  if (text == "recorded") return {};
  return Profile::parse({{"expected_statuses", text}}, file).expected_statuses;
}

std::string expected_text(const ExpectedStatuses& expected) {
  if (expected.empty()) return "recorded";
  std::string out;
  for (const auto& [lo, hi] : expected)
    out += (out.empty() ? "" : ",") + (lo == hi ? std::to_string(lo) : fmt::format("{}-{}", lo, hi));
  return out;
}

std::vector<StatusRow> status_table(const std::vector<StepNote>& notes, const ReplayStats& stats,
                                    const ExpectedStatuses& expected) {
  std::map<std::tuple<metrics::RouteKey, int, int>, uint64_t> rows;
  for (size_t i = 0; i < notes.size(); ++i)
    for (auto [status, n] : statuses_of(stats, i))
      rows[{notes[i].route, notes[i].recorded_status, status}] += n;
  std::vector<StatusRow> out;
  for (const auto& [key, n] : rows) {
    const auto& [route, recorded, replayed] = key;
    out.push_back({route, recorded, replayed, n, failed_status(expected, replayed, recorded)});
  }
  return out;
}

std::vector<std::string> explain_failures(const std::vector<StepNote>& notes, const ReplayStats& stats,
                                          const ExpectedStatuses& expected) {
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < notes.size(); ++i)
    outcomes.push_back(outcome_of(notes[i], statuses_of(stats, i), expected));
  // The steps of one route that fail the same way for the same cause make one line.
  struct Line {
    std::vector<std::string> steps;
    uint64_t failed = 0, answers = 0;
  };
  std::map<std::tuple<metrics::RouteKey, int, int, std::string>, Line> lines;
  for (size_t i = 0; i < notes.size(); ++i) {
    const auto& o = outcomes[i];
    if (o.failed == 0 || o.failed * 10 < o.answers)
      continue;  // a concentration: a tenth of its answers or more
    auto most = std::max_element(o.failed_by_status.begin(), o.failed_by_status.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    std::string cause = cause_of(notes[i], most->first, notes, outcomes);
    if (cause.empty()) continue;
    Line& line = lines[{notes[i].route, most->first, notes[i].recorded_status, std::move(cause)}];
    line.steps.push_back(notes[i].label);
    line.failed += most->second;
    line.answers += o.answers;
  }
  std::vector<std::pair<uint64_t, std::string>> ordered;
  for (const auto& [key, line] : lines) {
    const auto& [route, status, recorded, cause] = key;
    std::string steps = line.steps.front() +
                        (line.steps.size() > 1 ? fmt::format(" and {} more", line.steps.size() - 1) : "");
    ordered.emplace_back(
        line.failed,
        fmt::format("{} ({}): {} of {} answered {} where the recording had {}: {}", route_text(route), steps,
                    line.failed, line.answers, status_text(status), status_text(recorded), cause));
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [n, text] : ordered) out.push_back(std::move(text));
  return out;
}

void print_failures(const std::vector<StepNote>& notes, const ReplayStats& stats,
                    const ExpectedStatuses& expected) {
  auto rows = status_table(notes, stats, expected);
  if (rows.empty()) return;
  size_t width = 5;
  for (const auto& r : rows) width = std::max(width, route_text(r.route).size());
  fmt::print("statuses by route (expected: {})\n  {:<{}}  recorded  replayed  {:>9}\n",
             expected_text(expected), "route", width, "count");
  for (const auto& r : rows)
    fmt::print("  {:<{}}  {:>8}  {:>8}  {:>9}{}\n", route_text(r.route), width, status_text(r.recorded),
               status_text(r.replayed), r.count, r.failed ? "  ✗ failed" : "");
  auto why = explain_failures(notes, stats, expected);
  if (why.empty()) return;
  fmt::print("why requests failed\n");
  for (const auto& line : why) fmt::print("  • {}\n", line);
}

metrics::StatusSection status_section(const nlohmann::json& summary) {
  if (!summary.contains("steps") || !summary["steps"].is_array()) return {};
  std::vector<StepNote> notes;
  ReplayStats stats;
  add_steps(summary["steps"], "summary", notes, stats);
  const ExpectedStatuses expected =
      expected_from_text(summary.value("expected_statuses", std::string("recorded")), "summary");
  metrics::StatusSection out{expected_text(expected), {}, {}};
  for (const auto& r : status_table(notes, stats, expected))
    out.rows.push_back(
        {r.route.name, r.route.method, status_text(r.recorded), status_text(r.replayed), r.count, r.failed});
  if (!out.rows.empty()) out.why = explain_failures(notes, stats, expected);
  return out;
}

nlohmann::ordered_json steps_json(const std::vector<StepNote>& notes, const ReplayStats& stats) {
  auto out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < notes.size(); ++i) {
    const auto& statuses = statuses_of(stats, i);
    if (statuses.empty()) continue;
    const StepNote& n = notes[i];
    nlohmann::ordered_json replayed = nlohmann::ordered_json::object();
    for (auto [status, count] : statuses) replayed[status_text(status)] = count;
    nlohmann::ordered_json identities = nlohmann::ordered_json::array();
    for (const auto& [field, value_template] : n.identities)
      identities.push_back({{"field", field}, {"template", value_template}});
    nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
    for (int input : n.inputs) inputs.push_back(notes[static_cast<size_t>(input)].label);
    out.push_back({{"step", n.label},
                   {"name", n.route.name},
                   {"method", n.route.method},
                   {"recorded", n.recorded_status},
                   {"users", n.users},
                   {"replayed", replayed},
                   {"identities", identities},
                   {"literal_fields", n.literal_fields},
                   {"inputs", inputs},
                   {"unresolved_credential", n.unresolved_credential},
                   {"unresolved_ids", n.unresolved_ids}});
  }
  return out;
}

void add_steps(const nlohmann::json& steps, const std::string& file, std::vector<StepNote>& notes,
               ReplayStats& stats) {
  if (!steps.is_array()) throw InputError(file, "field steps", "must be a list");
  std::map<std::string, int> index;
  for (size_t i = 0; i < notes.size(); ++i) index[notes[i].label] = static_cast<int>(i);
  auto at = [&](const std::string& label) {
    auto [it, fresh] = index.try_emplace(label, static_cast<int>(notes.size()));
    if (fresh) notes.push_back({label, {}, 0, 1, {}, {}, {}, false, {}});
    return it->second;
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    const std::string field = "steps[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("step") || !s["step"].is_string() || !s.contains("replayed") ||
        !s["replayed"].is_object() || !s.value("recorded", nlohmann::json()).is_number_integer())
      throw InputError(file, "field " + field, "must be {step, name, method, recorded, replayed, ...}");
    const int k = at(s["step"].get<std::string>());
    StepNote& n = notes[static_cast<size_t>(k)];
    n.route = {s.value("name", std::string()), s.value("method", std::string())};
    n.recorded_status = s["recorded"].get<int>();
    n.users = s.value("users", 1);
    n.identities.clear();
    for (const auto& id : s.value("identities", nlohmann::json::array()))
      if (id.is_object()) n.identities.emplace_back(id.value("field", ""), id.value("template", ""));
    n.literal_fields = s.value("literal_fields", std::vector<std::string>{});
    n.unresolved_credential = s.value("unresolved_credential", false);
    n.unresolved_ids = s.value("unresolved_ids", std::vector<std::string>{});
    n.inputs.clear();
    for (const auto& input : s.value("inputs", nlohmann::json::array()))
      if (input.is_string()) n.inputs.push_back(at(input.get<std::string>()));
    for (auto it = s["replayed"].begin(); it != s["replayed"].end(); ++it) {
      if (!it.value().is_number_unsigned())
        throw InputError(file, "field " + field + ".replayed", "must hold counts");
      int status = it.key() == "none" ? 0 : std::atoi(it.key().c_str());
      stats.count_step(k, status, it.value().get<uint64_t>());
    }
  }
}

}  // namespace reprise::replay
