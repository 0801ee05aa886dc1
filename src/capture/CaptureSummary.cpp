#include "capture/CaptureSummary.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "capture/CaptureReader.hpp"
#include "http/MessageHead.hpp"
#include "http/RoutePattern.hpp"

namespace reprise::capture {
namespace {

constexpr std::string_view kOpen = "{{redacted:";

// Calls f(start, number) for every "{{redacted:N}}" in text.
template <typename F>
void for_each_placeholder(std::string_view text, F&& f) {
  size_t at = 0;
  while ((at = text.find(kOpen, at)) != std::string_view::npos) {
    size_t digits = at + kOpen.size(), end = digits;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > digits && end - digits < 19 && text.substr(end, 2) == "}}")
      f(at, std::stoull(std::string(text.substr(digits, end - digits))));
    at = end;
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls f(name, value) for every "name=value" piece of a `sep`-separated list.
template <typename F>
void for_each_pair(std::string_view list, char sep, F&& f) {
  while (true) {
    size_t end = list.find(sep);
    std::string_view part = list.substr(0, end);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos)
      f(trim(part.substr(0, eq)), part.substr(eq + 1));
    else
      f(std::string_view{}, part);
    if (end == std::string_view::npos) return;
    list.remove_prefix(end + 1);
  }
}

// The JSON key whose string value opens just before `at` ("key": "{{redacted:1}}"), or "".
std::string json_key_before(std::string_view text, size_t at) {
  if (at == 0 || text[at - 1] != '"') return {};
  size_t i = at - 1;
  while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
  if (i == 0 || text[i - 1] != ':') return {};
  --i;
  while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
  if (i == 0 || text[i - 1] != '"') return {};
  size_t close = i - 1;
  for (size_t j = close; j > 0; --j)
    if (text[j - 1] == '"' && (j < 2 || text[j - 2] != '\\')) return std::string(text.substr(j, close - j));
  return {};
}

// The form field whose value starts just before `at` (name={{redacted:1}}), or "".
std::string form_key_before(std::string_view text, size_t at) {
  if (at == 0 || text[at - 1] != '=') return {};
  size_t start = text.rfind('&', at - 1);
  start = start == std::string_view::npos ? 0 : start + 1;
  std::string_view key = text.substr(start, at - 1 - start);
  return key.find_first_of(" \t\r\n\"{}") == std::string_view::npos ? std::string(key) : std::string{};
}

Spread spread_of(std::vector<int64_t> values, double scale = 1) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  return {static_cast<double>(values.front()) * scale, percentile(values, 50) * scale,
          static_cast<double>(values.back()) * scale};
}

Latency latency_of(std::vector<int64_t> durations_us) {
  Latency l;
  l.samples = durations_us.size();
  if (durations_us.empty()) return l;
  std::sort(durations_us.begin(), durations_us.end());
  l.p50_ms = percentile(durations_us, 50) / 1000.0;
  l.p95_ms = percentile(durations_us, 95) / 1000.0;
  l.p99_ms = percentile(durations_us, 99) / 1000.0;
  l.max_ms = static_cast<double>(durations_us.back()) / 1000.0;
  return l;
}

std::string status_class(const Exchange& x) {
  if (!x.res) return "none";
  return std::to_string(std::clamp(x.res->status / 100, 1, 9)) + "xx";
}

}  // namespace



double percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  auto hi = static_cast<size_t>(std::ceil(rank));
  double frac = rank - static_cast<double>(lo);
  return static_cast<double>(sorted[lo]) +
         (static_cast<double>(sorted[hi]) - static_cast<double>(sorted[lo])) * frac;
}

void SummaryBuilder::add(const Exchange& x) {
  ++out_.exchanges;
  int64_t dur = x.res ? x.res->dur_us : 0;
  out_.first_us = any_ ? std::min(out_.first_us, x.t_us) : x.t_us;
  out_.end_us = any_ ? std::max(out_.end_us, x.t_us + dur) : x.t_us + dur;
  any_ = true;

  std::string cls = status_class(x);
  ++out_.statuses[cls];
  auto& route = routes_[{x.req.method, http::route_pattern(x.req.target)}];
  ++route.summary.count;
  ++route.summary.statuses[cls];
  if (x.res) route.durations.push_back(dur);
  if (x.res && !x.stream) durations_.push_back(dur);
  if (!x.res) ++out_.without_response;
  // A page load (HAR's pageref) is one session however many connections it used.
  ++per_session_[x.page.empty() ? std::pair(false, x.session) : std::pair(true, x.page)];

  out_.truncated_bodies += (x.req.body.truncated() ? 1 : 0) + (x.res && x.res->body.truncated() ? 1 : 0);
  if (x.stream && x.stream->kind == "sse") {
    ++out_.sse.streams;
    out_.sse.events += x.stream->count();
    sse_events_.push_back(static_cast<int64_t>(x.stream->count()));
    sse_durations_.push_back(dur);
  } else if (x.stream && x.stream->kind == "websocket") {
    ++out_.websocket.tunnels;
    for (const auto& e : x.stream->events) {
      (e.dir == 'u' ? out_.websocket.frames_up : out_.websocket.frames_down) += 1;
      (e.dir == 'u' ? out_.websocket.bytes_up : out_.websocket.bytes_down) += e.bytes;
    }
    out_.websocket.frames_unlisted += x.stream->unlisted;
  }
  count_redactions(x);
}

void SummaryBuilder::count(const std::string& place, const std::string& name, std::string_view text) {
  for_each_placeholder(text, [&](size_t, uint64_t n) {
    placeholders_.insert(n);
    ++out_.redaction.occurrences;
    ++out_.redaction.by_place[place][name];
  });
}

void SummaryBuilder::count_in_body(const std::string& body) {
  for_each_placeholder(body, [&](size_t at, uint64_t n) {
    placeholders_.insert(n);
    ++out_.redaction.occurrences;
    if (auto key = json_key_before(body, at); !key.empty())
      ++out_.redaction.by_place["json"][key];
    else if (auto field = form_key_before(body, at); !field.empty())
      ++out_.redaction.by_place["form"][field];
    else
      ++out_.redaction.by_place["other"]["body"];
  });
}

void SummaryBuilder::count_redactions(const Exchange& x) {
  auto headers = [&](const HeaderList& list) {
    for (const auto& field : list) {
      const std::string& value = field.second;
      if (value.find(kOpen) == std::string::npos) continue;
      std::string name = lower(field.first);
      bool cookie = name == "cookie" || name == "set-cookie";
      if (!cookie) {
        count("header", name, value);
        continue;
      }
      for_each_pair(value, ';', [&](std::string_view key, std::string_view v) {
        if (key.empty())
          count("header", name, v);
        else
          count("cookie", std::string(key), v);
      });
    }
  };
  std::string_view target = x.req.target;
  size_t q = target.find('?');
  count("other", "path", target.substr(0, q));
  if (q != std::string_view::npos)
    for_each_pair(target.substr(q + 1), '&', [&](std::string_view key, std::string_view v) {
      count(key.empty() ? "other" : "query", key.empty() ? "query" : std::string(key), v);
    });
  headers(x.req.headers);
  count_in_body(x.req.body.data);
  if (x.res) {
    headers(x.res->headers);
    count_in_body(x.res->body.data);
  }
}

CaptureSummary SummaryBuilder::finish(const CaptureHeader& header, bool tail_cut, uint64_t dropped) {
  out_.header = header;
  out_.tail_cut = tail_cut;
  out_.dropped_records = dropped;
  for (auto& [key, data] : routes_) {
    data.summary.method = key.first;
    data.summary.path = key.second;
    data.summary.latency = latency_of(std::move(data.durations));
    out_.routes.push_back(std::move(data.summary));
  }
  std::stable_sort(out_.routes.begin(), out_.routes.end(),
                   [](const RouteSummary& a, const RouteSummary& b) { return a.count > b.count; });
  out_.latency = latency_of(std::move(durations_));
  out_.sessions = per_session_.size();
  std::vector<int64_t> per_session;
  for (const auto& [session, n] : per_session_) per_session.push_back(n);
  out_.exchanges_per_session = spread_of(std::move(per_session));
  out_.sse.events_per_stream = spread_of(std::move(sse_events_));
  out_.sse.duration_s = spread_of(std::move(sse_durations_), 1e-6);
  out_.span_s = static_cast<double>(out_.end_us - out_.first_us) / 1e6;
  out_.rate_per_s = out_.span_s > 0 ? static_cast<double>(out_.exchanges) / out_.span_s : 0;
  out_.redaction.mode = header.redaction;
  out_.redaction.placeholders = placeholders_.size();
  return std::move(out_);
}

CaptureSummary summarize(CaptureReader& reader) {
  SummaryBuilder builder;
  Exchange x;
  while (reader.next(x)) builder.add(x);
  return builder.finish(reader.header(), reader.tail_cut(), reader.dropped());
}

}  // namespace reprise::capture
