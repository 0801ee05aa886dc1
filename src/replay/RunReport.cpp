#include "replay/RunReport.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "Duration.hpp"
#include "InputError.hpp"
#include "metrics/JUnitReport.hpp"
#include "metrics/PrometheusText.hpp"
#include "replay/FailureReport.hpp"
#include "replay/HtmlReport.hpp"

namespace reprise::replay {
namespace {

std::string us_text(uint64_t us) { return duration_text(static_cast<double>(us)); }

std::string latency_line(const metrics::Histogram& h) {
  if (h.count() == 0) return "-";
  return fmt::format("avg={} min={} med={} p(90)={} p(95)={} p(99)={} max={}",
                     us_text(static_cast<uint64_t>(h.mean())), us_text(h.min()), us_text(h.percentile(50)),
                     us_text(h.percentile(90)), us_text(h.percentile(95)), us_text(h.percentile(99)),
                     us_text(h.max()));
}

// The fullest and emptiest whole second of a series (the last, partial second left out).
std::string spread(const std::vector<uint64_t>& series) {
  if (series.size() < 2) return "-";
  auto [lo, hi] = std::minmax_element(series.begin(), series.end() - 1);
  return fmt::format("min {} max {}", *lo, *hi);
}

void print_line(const char* name, const std::string& text) {
  std::string dots(std::max<size_t>(2, 22 - std::string_view(name).size()), '.');
  fmt::print("  {} {} {}\n", name, dots, text);
}

using metrics::MetricValues;

// A threshold's figures out of the run: the whole run's, or those of the requests its tags
// ({name:..., method:..., status:...}) pick, added up in `picked`.
std::optional<MetricValues> values_of(const metrics::Threshold& t, const RunResult& r,
                                      metrics::TagFigures& picked) {
  using Kind = MetricValues::Kind;
  const ReplayStats& s = r.stats;
  const double secs = std::max(r.elapsed_s, 1e-9);
  auto counter = [&](uint64_t n) {
    return MetricValues{Kind::counter, nullptr, 0, 0, static_cast<double>(n), static_cast<double>(n) / secs};
  };
  const std::string& m = t.metric;
  if (!t.tags.empty()) {
    picked = s.matching(t.tags);
    const metrics::TagFigures* tag = &picked;
    if (tag->http_reqs == 0) return std::nullopt;
    if (m == "http_req_duration") return MetricValues{Kind::trend, &tag->http_req_duration};
    if (m == "http_req_waiting") return MetricValues{Kind::trend, &tag->http_req_waiting};
    if (m == "http_req_failed")
      return MetricValues{Kind::rate, nullptr, tag->http_req_failed, tag->http_reqs};
    if (m == "http_reqs") return counter(tag->http_reqs);
    return std::nullopt;
  }
  if (m == "http_req_duration") return MetricValues{Kind::trend, &s.http_req_duration};
  if (m == "http_req_waiting") return MetricValues{Kind::trend, &s.http_req_waiting};
  if (m == "sse_time_to_first_event") return MetricValues{Kind::trend, &s.sse_time_to_first_event};
  if (m == "http_req_failed") return MetricValues{Kind::rate, nullptr, s.http_req_failed, s.http_reqs};
  if (m == "http_reqs") return counter(s.http_reqs);
  if (m == "iterations") return counter(s.iterations);
  if (m == "dropped_iterations") return counter(s.dropped_iterations);
  if (m == "data_sent") return counter(s.data_sent);
  if (m == "data_received") return counter(s.data_received);
  if (m == "sse_events") return counter(s.sse_events);
  if (m == "unexpected_status") return counter(s.unexpected_status);
  if (m == "vus" || m == "vus_max")
    return MetricValues{Kind::gauge, nullptr, 0, 0, static_cast<double>(s.vus_max)};
  if (m == "sse_connections")  // a gauge: the most streams open at once
    return MetricValues{Kind::gauge, nullptr, 0, 0, static_cast<double>(s.sse_open_peak)};
  return std::nullopt;
}

}  // namespace

std::vector<metrics::Verdict> judge_run(const std::vector<metrics::Threshold>& thresholds,
                                        const RunResult& result) {
  metrics::TagFigures picked;  // each threshold's tagged figures, read before the next threshold's
  return metrics::judge(thresholds,
                        [&](const metrics::Threshold& t) { return values_of(t, result, picked); });
}

bool all_passed(const std::vector<metrics::Verdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(), [](const metrics::Verdict& v) { return v.ok; });
}

// A latency threshold passes on fast failures as easily as on fast answers: say how many of the
// requests it measured failed, when a tenth or more did.
std::string failed_share(const metrics::Verdict& v, const RunResult& r) {
  const std::string metric = v.threshold.substr(0, v.threshold.find('{'));
  if (metric != "http_req_duration" && metric != "http_req_waiting") return {};
  auto threshold = metrics::parse_thresholds({{v.threshold, {"avg<1"}}}, {metric}, "");
  if (threshold.empty()) return {};
  metrics::TagFigures picked;
  if (!threshold[0].tags.empty()) values_of(threshold[0], r, picked);
  uint64_t reqs = threshold[0].tags.empty() ? r.stats.http_reqs : picked.http_reqs;
  uint64_t failed = threshold[0].tags.empty() ? r.stats.http_req_failed : picked.http_req_failed;
  if (reqs == 0 || failed * 10 < reqs) return {};
  return fmt::format(" — {:.1f} % of the {} requests measured failed",
                     100.0 * static_cast<double>(failed) / static_cast<double>(reqs), reqs);
}

void print_verdicts(const std::vector<metrics::Verdict>& verdicts, const RunResult& result) {
  if (verdicts.empty()) return;
  size_t width = 0;
  for (const auto& v : verdicts) width = std::max(width, v.threshold.size());
  fmt::print("thresholds\n");
  for (const auto& v : verdicts)
    fmt::print("  {} {:<{}}  {:<14} {}{}\n", v.ok ? "✓" : "✗", v.threshold, width, v.condition,
               metrics::measured_text(v), failed_share(v, result));
  fmt::print("{}\n", all_passed(verdicts) ? "all thresholds passed" : "THRESHOLDS FAILED (exit 99)");
}

RunInfo run_info(const std::string& capture, const std::string& target, const std::string& profile_name,
                 const Profile& profile, const RunOptions& options, const SessionBuild& built) {
  RunInfo info{capture,
               target,
               profile_name,
               executor_name(profile.executor),
               options.shard,
               options.shards,
               built.sessions.size(),
               0,
               built.skipped_websocket};
  for (const auto& s : built.sessions) info.steps += s.steps();
  info.notes = built.notes;
  info.expected = profile.expected_statuses;
  for (const auto& t : profile.thresholds)
    for (const auto& c : t.conditions) info.thresholds[t.text].push_back(c.text);
  return info;
}

nlohmann::ordered_json summary_json(const RunInfo& info, const RunResult& result,
                                    const std::vector<metrics::Verdict>& verdicts) {
  nlohmann::ordered_json j;
  j["reprise_summary"] = 1;
  j["capture"] = info.capture;
  j["target"] = info.target;
  j["profile"] = info.profile;
  j["executor"] = info.executor;
  j["shard"] = {info.shard, info.shards};
  if (info.merged_shards) j["merged"] = true;  // "shard" is then [shards merged, N]
  j["sessions"] = info.sessions;
  j["requests_per_pass"] = info.steps;
  j["skipped_websocket"] = info.skipped_websocket;
  if (!result.run.empty()) j["run"] = result.run;
  j["elapsed_s"] = result.elapsed_s;
  j["planned_iterations"] = result.planned_iterations < 0 ? nlohmann::ordered_json()
                                                          : nlohmann::ordered_json(result.planned_iterations);
  result.stats.write(j);
  j["expected_statuses"] = expected_text(info.expected);
  j["steps"] = steps_json(info.notes, result.stats);
  if (!result.timeline.empty()) j["timeline"] = nlohmann::ordered_json::parse(result.timeline.dump());
  if (!result.cut_because.empty()) j["cut_because"] = result.cut_because;
  j["thresholds"] = nlohmann::ordered_json::parse(info.thresholds.dump());
  auto& list = j["verdicts"] = nlohmann::ordered_json::array();
  for (const auto& v : verdicts)
    list.push_back({{"threshold", v.threshold},
                    {"condition", v.condition},
                    {"actual", v.actual ? nlohmann::ordered_json(*v.actual) : nlohmann::ordered_json()},
                    {"ok", v.ok}});
  return j;
}

void add_summary(const nlohmann::json& j, const std::string& file, RunInfo& info, RunResult& result) {
  if (!j.is_object() || !j.contains("reprise_summary"))
    throw InputError(file, "", "is not a reprise summary");
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  auto count = [&](const char* key) {
    return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint64_t>() : 0;
  };
  if (!j.contains("shard") || !j["shard"].is_array() || j["shard"].size() != 2 ||
      !j["shard"][0].is_number_integer() || !j["shard"][1].is_number_integer())
    throw InputError(file, "field shard", "must be [i, N]");
  int shard = j["shard"][0].get<int>(), shards = j["shard"][1].get<int>();
  if (info.executor.empty()) {
    info = {text("capture"),
            text("target"),
            text("profile"),
            text("executor"),
            0,
            shards,
            count("sessions"),
            count("requests_per_pass"),
            count("skipped_websocket")};
    if (j.contains("thresholds") && j["thresholds"].is_object()) info.thresholds = j["thresholds"];
  } else if (text("capture") != info.capture || text("executor") != info.executor || shards != info.shards) {
    throw InputError(
        file, "",
        "is a shard of another run (capture, executor or shard count differ from the first file's)");
  }
  if (shard < 1 || shard > shards || (info.merged_shards & (1ULL << std::min(shard - 1, 63))))
    throw InputError(
        file, "field shard",
        "shard " + std::to_string(shard) + "/" + std::to_string(shards) + " is out of range or given twice");
  info.merged_shards |= 1ULL << std::min(shard - 1, 63);
  if (!j.contains("elapsed_s") || !j["elapsed_s"].is_number())
    throw InputError(file, "field elapsed_s", "is missing or not a number");
  result.elapsed_s = std::max(result.elapsed_s, j["elapsed_s"].get<double>());
  if (j.contains("run") && j["run"].is_string() && result.run.empty())
    result.run = j["run"];  // the first shard's
  if (j.contains("planned_iterations") && j["planned_iterations"].is_number_integer())
    result.planned_iterations =
        std::max<int64_t>(result.planned_iterations, 0) + j["planned_iterations"].get<int64_t>();
  ++info.shard;  // shards merged so far
  result.stats.add_summary(j, file);
  if (j.contains("steps")) add_steps(j["steps"], file, info.notes, result.stats);
  if (j.contains("expected_statuses") && j["expected_statuses"].is_string())
    info.expected = expected_from_text(j["expected_statuses"], file);
  if (j.contains("timeline")) ReplayStats::add_timeline(result.timeline, j["timeline"], file);
}

void print_run(const RunInfo& info, const RunResult& r) {
  const auto& s = r.stats;
  double secs = std::max(r.elapsed_s, 1e-9);
  fmt::print("replay {} → {}  profile {} ({}), shard {}/{}{}\n", info.capture, info.target, info.profile,
             info.executor, info.shard, info.shards, r.run.empty() ? "" : ", run " + r.run);
  print_line("sessions", fmt::format("{} ({} requests per pass; {} WebSocket exchanges not replayed)",
                                     info.sessions, info.steps, info.skipped_websocket));
  print_line("elapsed", fmt::format("{:.2f} s", r.elapsed_s));
  std::string planned = r.planned_iterations < 0 ? "" : fmt::format(" of {} planned", r.planned_iterations);
  print_line("iterations", fmt::format("{}{} ({:.1f}/s), {} dropped, {} cut by the end", s.iterations,
                                       planned, static_cast<double>(s.iterations) / secs,
                                       s.dropped_iterations, s.interrupted_iterations));
  print_line("iterations due/s", spread(s.iterations_per_second));
  print_line("http_reqs", fmt::format("{} ({:.1f}/s)", s.http_reqs, static_cast<double>(s.http_reqs) / secs));
  print_line("http_reqs/s", spread(s.reqs_per_second));
  print_line("http_req_failed",
             fmt::format("{:.2f}% ({} of {}; {} without an answer; {} cut by the end)",
                         s.http_reqs ? 100.0 * static_cast<double>(s.http_req_failed) /
                                           static_cast<double>(s.http_reqs)
                                     : 0.0,
                         s.http_req_failed, s.http_reqs, s.transport_errors, s.interrupted));
  print_line("http_req_duration", latency_line(s.http_req_duration));
  print_line("http_req_waiting", latency_line(s.http_req_waiting));
  std::string statuses;
  for (size_t code = 0; code < s.status.size(); ++code)
    if (s.status[code])
      statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ",
                              code == 0 ? std::string("none") : std::to_string(code), s.status[code]);
  print_line("status", statuses.empty() ? "-" : statuses);
  print_line("data", fmt::format("sent {} B, received {} B", s.data_sent, s.data_received));
  print_line("vus_max", std::to_string(s.vus_max));
  if (s.sse_connections)
    print_line("sse", fmt::format("{} streams, {} events; first event {}", s.sse_connections, s.sse_events,
                                  latency_line(s.sse_time_to_first_event)));
}

}  // namespace reprise::replay

namespace reprise::replay {

RunMonitor make_monitor(const Profile& profile) {
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  bool aborts = false;
  for (const auto& t : profile.thresholds)
    for (const auto& c : t.conditions) aborts |= c.abort_on_fail;
  if (!terminal && !aborts) return {};  // nothing to draw and nothing to cut: no monitor at all
  const double total_s = std::chrono::duration<double>(profile.total_duration()).count();
  return [terminal, total_s, &profile](const RunResult& so_far) -> std::optional<std::string> {
    auto verdicts = judge_run(profile.thresholds, so_far);
    if (terminal) {
      const auto& s = so_far.stats;
      size_t passing =
          static_cast<size_t>(std::count_if(verdicts.begin(), verdicts.end(), [](auto& v) { return v.ok; }));
      double secs = std::max(so_far.elapsed_s, 1e-9);
      fmt::print("\r\033[K  {:.0f}s{}  VUs {}  {:.0f} req/s  p95 {}  errors {:.2f}%  thresholds {}/{}",
                 so_far.elapsed_s, total_s > 0 ? fmt::format("/{:.0f}s", total_s) : "", s.vus_max,
                 static_cast<double>(s.http_reqs) / secs,
                 s.http_req_duration.count() ? us_text(s.http_req_duration.percentile(95)) : "-",
                 s.http_reqs
                     ? 100.0 * static_cast<double>(s.http_req_failed) / static_cast<double>(s.http_reqs)
                     : 0.0,
                 passing, verdicts.size());
      std::fflush(stdout);
    }
    size_t i = 0;
    for (const auto& t : profile.thresholds)
      for (const auto& c : t.conditions) {
        const auto& v = verdicts[i++];
        bool due = so_far.elapsed_s >= std::chrono::duration<double>(c.delay_abort_eval).count();
        if (c.abort_on_fail && due && v.actual && !v.ok)
          return fmt::format("{} {} failed ({}; abortOnFail)", v.threshold, v.condition,
                             metrics::measured_text(v));
      }
    return std::nullopt;
  };
}

std::string prometheus_text(const RunResult& r) {
  using metrics::Figure;
  const ReplayStats& s = r.stats;
  metrics::PrometheusText out;
  auto counter = [&](const std::string& name, const std::string& help, uint64_t value) {
    out.family(name + "_total", "counter", help);
    out.sample(name + "_total", {}, static_cast<double>(value));
  };
  out.tagged(s.by_tag(), metrics::TaggedFamilies::requests);
  counter("reprise_iterations", "Sessions replayed to their end", s.iterations);
  counter("reprise_dropped_iterations", "Iterations due that no VU was free for", s.dropped_iterations);
  out.run_wide(Figure::data_sent, static_cast<double>(s.data_sent));
  out.run_wide(Figure::data_received, static_cast<double>(s.data_received));
  out.run_wide(Figure::sse_events, static_cast<double>(s.sse_events));
  out.family("reprise_vus", "gauge", "VUs made so far");
  out.sample("reprise_vus", {}, static_cast<double>(s.vus_max));
  out.run_wide(Figure::sse_connections, static_cast<double>(s.sse_open));
  out.family("reprise_sse_time_to_first_event_seconds", "histogram",
             "From a stream's request to its first event");
  out.histogram("reprise_sse_time_to_first_event_seconds", {}, s.sse_time_to_first_event);
  return out.text();
}

namespace {

void write_file(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  std::ofstream out(path);
  out << text;
  if (!out) throw RuntimeFailure("cannot write " + path);
}

}  // namespace

int finish_run(const RunInfo& info, const RunResult& result,
               const std::vector<metrics::Threshold>& thresholds, const RunOutputs& outputs) {
  if (::isatty(STDOUT_FILENO)) fmt::print("\r\033[K");  // the progress line goes
  print_run(info, result);
  if (!result.cut_because.empty()) fmt::print("  cut short: {}\n", result.cut_because);
  print_failures(info.notes, result.stats, info.expected);
  auto verdicts = judge_run(thresholds, result);
  print_verdicts(verdicts, result);
  auto by_window = judge_windows(thresholds, result.timeline, info.windows);
  print_window_verdicts(by_window);
  if (!outputs.summary.empty() || !outputs.report.empty()) {
    auto summary = summary_json(info, result, verdicts);
    if (!by_window.empty()) summary["windows"] = window_verdicts_json(by_window);
    write_file(outputs.summary, summary.dump(1) + "\n");
    if (!outputs.report.empty()) write_file(outputs.report, html_report(nlohmann::json(summary)));
  }
  write_file(outputs.junit, metrics::junit_xml(verdicts, "reprise replay " + info.capture, result.elapsed_s));
  return all_passed(verdicts) ? 0 : 99;
}

}  // namespace reprise::replay
