#include "replay/RunPrintout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "Duration.hpp"

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

}  // namespace

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
  for (const auto& [name, tally] : r.sources.tallies) {
    auto stats = r.sources.series.at(name).stats();
    std::string figures = stats ? fmt::format("min={:.4g} avg={:.4g} max={:.4g} last={:.4g}", stats->min,
                                              stats->avg, stats->max, stats->last)
                                : "no data";
    std::string failed = tally.failed ? fmt::format(", {} failed: {}", tally.failed, tally.last_problem) : "";
    print_line(name.c_str(),
               fmt::format("{}  ({} reads{}; {})", figures, tally.reads, failed, tally.description));
  }
}

}  // namespace reprise::replay
