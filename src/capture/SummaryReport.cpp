#include "capture/SummaryReport.hpp"

#include <fmt/format.h>

#include <cmath>

namespace reprise::capture {
namespace {

using Json = nlohmann::ordered_json;


using Json = nlohmann::ordered_json;

const char* const kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "none"};

// Whole numbers without decimals, others with one (medians of counts may end in .5).
std::string num(double v) {
  return std::fabs(v - std::round(v)) < 1e-9 ? fmt::format("{}", std::llround(v)) : fmt::format("{:.1f}", v);
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string statuses_text(const StatusClasses& s) {
  std::string out;
  for (const char* c : kClasses)
    if (auto it = s.find(c); it != s.end() && it->second > 0)
      out += fmt::format("{}{} {}", out.empty() ? "" : "  ", c, it->second);
  return out.empty() ? "-" : out;
}

std::string spread_text(const Spread& s) {
  return fmt::format("min {} · median {} · max {}", num(s.min), num(s.median), num(s.max));
}

std::string seconds_text(const Spread& s) {
  return fmt::format("min {:.3f} s · median {:.3f} s · max {:.3f} s", s.min, s.median, s.max);
}

void print_routes(const CaptureSummary& s) {
  fmt::print("\nroutes ({})\n", s.routes.size());
  size_t path_w = 4, method_w = 6, status_w = 8;
  for (const auto& r : s.routes) {
    path_w = std::max(path_w, r.path.size());
    method_w = std::max(method_w, r.method.size());
    status_w = std::max(status_w, statuses_text(r.statuses).size());
  }
  fmt::print("  {:>7}  {:<{}}  {:<{}}  {:<{}}  {:>9}  {:>9}  {:>9}  {:>9}\n", "count", "method", method_w,
             "path", path_w, "statuses", status_w, "p50 ms", "p95 ms", "p99 ms", "max ms");
  for (const auto& r : s.routes) {
    fmt::print("  {:>7}  {:<{}}  {:<{}}  {:<{}}", r.count, r.method, method_w, r.path, path_w,
               statuses_text(r.statuses), status_w);
    const auto& l = r.latency;
    if (l.samples == 0)
      fmt::print("  {:>9}  {:>9}  {:>9}  {:>9}\n", "-", "-", "-", "-");
    else
      fmt::print("  {:>9.2f}  {:>9.2f}  {:>9.2f}  {:>9.2f}\n", l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms);
  }
}

void print_redaction(const RedactionSummary& r) {
  fmt::print("redaction   {}: {}, {}\n", r.mode,
             plural(r.placeholders, "distinct placeholder", "distinct placeholders"),
             plural(r.occurrences, "occurrence", "occurrences"));
  size_t w = 0;
  for (const auto& [place, names] : r.by_place)
    for (const auto& [name, n] : names) w = std::max(w, place.size() + 1 + name.size());
  for (const auto& [place, names] : r.by_place)
    for (const auto& [name, n] : names) fmt::print("              {:<{}}  {:>7}\n", place + " " + name, w, n);
}

void print_streams(const CaptureSummary& s) {
  if (s.sse.streams == 0)
    fmt::print("sse         none\n");
  else
    fmt::print("sse         {}, {}; events per stream {}; open {}\n",
               plural(s.sse.streams, "stream", "streams"), plural(s.sse.events, "event", "events"),
               spread_text(s.sse.events_per_stream), seconds_text(s.sse.duration_s));
  const auto& ws = s.websocket;
  if (ws.tunnels == 0)
    fmt::print("websocket   none\n");
  else
    fmt::print("websocket   {}; frames up {} ({} bytes), down {} ({} bytes){}\n",
               plural(ws.tunnels, "tunnel", "tunnels"), ws.frames_up, ws.bytes_up, ws.frames_down,
               ws.bytes_down,
               ws.frames_unlisted ? fmt::format("; {} more past the body limit", ws.frames_unlisted) : "");
}

}  // namespace

void print_summary_table(const std::string& path, const CaptureSummary& s) {
  const auto& h = s.header;
  fmt::print("capture     {}\n", path);
  fmt::print("            source {}{}, created {}{}\n", h.source,
             h.upstream.empty() ? "" : ", upstream " + h.upstream, h.created,
             h.body_limit ? fmt::format(", body limit {} bytes", h.body_limit) : "");
  fmt::print("exchanges   {} in {:.3f} s (from {:.3f} s to {:.3f} s), {:.2f} exchanges/s\n", s.exchanges,
             s.span_s, static_cast<double>(s.first_us) / 1e6, static_cast<double>(s.end_us) / 1e6,
             s.rate_per_s);
  fmt::print("statuses    {}\n", statuses_text(s.statuses));
  const auto& l = s.latency;
  if (l.samples > 0)
    fmt::print(
        "latency     p50 {:.2f} ms · p95 {:.2f} ms · p99 {:.2f} ms · max {:.2f} ms ({} exchanges; streams "
        "left out)\n",
        l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.samples);
  else
    fmt::print("latency     -\n");
  fmt::print("sessions    {}; exchanges per session {}\n", s.sessions, spread_text(s.exchanges_per_session));
  print_routes(s);
  fmt::print("\n");
  print_streams(s);
  print_redaction(s.redaction);
  fmt::print("truncated   {}\n", plural(s.truncated_bodies, "body", "bodies"));
  fmt::print("unanswered  {} without a response\n", plural(s.without_response, "exchange", "exchanges"));
  if (!s.tail_cut && s.dropped_records == 0) fmt::print("damage      none\n");
  if (s.tail_cut) fmt::print("damage      the last line was cut (a crash while recording?)\n");
  if (s.dropped_records > 0)
    fmt::print("damage      {} dropped by the recorder\n", plural(s.dropped_records, "record", "records"));
}

// Whole numbers as integers, others rounded to 3 decimals (a microsecond, for milliseconds).
Json number(double v) {
  double rounded = std::round(v * 1000) / 1000;
  if (rounded == std::round(rounded)) return std::llround(rounded);
  return rounded;
}

Json latency_json(const Latency& l) {
  return {{"samples", l.samples},
          {"p50", number(l.p50_ms)},
          {"p95", number(l.p95_ms)},
          {"p99", number(l.p99_ms)},
          {"max", number(l.max_ms)}};
}

Json spread_json(const Spread& s) {
  return {{"min", number(s.min)}, {"median", number(s.median)}, {"max", number(s.max)}};
}

Json statuses_json(const StatusClasses& s) {
  Json out = Json::object();
  for (const char* c : kClasses) out[c] = s.count(c) ? s.at(c) : 0;
  return out;
}

Json summary_json(const std::string& path, const CaptureSummary& s) {
  const auto& h = s.header;
  Json routes = Json::array();
  for (const auto& r : s.routes)
    routes.push_back({{"method", r.method},
                      {"path", r.path},
                      {"count", r.count},
                      {"statuses", statuses_json(r.statuses)},
                      {"latency_ms", latency_json(r.latency)}});
  Json by_place = Json::object();
  for (const char* place : {"header", "json", "query", "form", "cookie", "other"}) {
    by_place[place] = Json::object();
    if (auto it = s.redaction.by_place.find(place); it != s.redaction.by_place.end())
      for (const auto& [name, n] : it->second) by_place[place][name] = n;
  }
  return {
      {"file", path},
      {"capture",
       {{"created", h.created},
        {"source", h.source},
        {"upstream", h.upstream},
        {"body_limit", h.body_limit}}},
      {"exchanges", s.exchanges},
      {"span",
       {{"first_us", s.first_us},
        {"end_us", s.end_us},
        {"seconds", number(s.span_s)},
        {"rate_per_s", number(s.rate_per_s)}}},
      {"statuses", statuses_json(s.statuses)},
      {"latency_ms", latency_json(s.latency)},
      {"routes", std::move(routes)},
      {"sessions", {{"count", s.sessions}, {"exchanges_per_session", spread_json(s.exchanges_per_session)}}},
      {"sse",
       {{"streams", s.sse.streams},
        {"events", s.sse.events},
        {"events_per_stream", spread_json(s.sse.events_per_stream)},
        {"duration_s", spread_json(s.sse.duration_s)}}},
      {"websocket",
       {{"tunnels", s.websocket.tunnels},
        {"frames_up", s.websocket.frames_up},
        {"frames_down", s.websocket.frames_down},
        {"bytes_up", s.websocket.bytes_up},
        {"bytes_down", s.websocket.bytes_down},
        {"frames_unlisted", s.websocket.frames_unlisted}}},
      {"redaction",
       {{"mode", s.redaction.mode},
        {"placeholders", s.redaction.placeholders},
        {"occurrences", s.redaction.occurrences},
        {"by_place", std::move(by_place)}}},
      {"truncated_bodies", s.truncated_bodies},
      {"without_response", s.without_response},
      {"damage", {{"tail_cut", s.tail_cut}, {"dropped_records", s.dropped_records}}},
  };
}


}  // namespace reprise::capture
