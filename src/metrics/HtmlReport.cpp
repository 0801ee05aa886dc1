#include "metrics/HtmlReport.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "Duration.hpp"
#include "metrics/Histogram.hpp"
#include "metrics/Threshold.hpp"
#include "metrics/TimelineCharts.hpp"
#include "metrics/XmlText.hpp"

namespace reprise::metrics {
namespace {

using Json = nlohmann::json;

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
table{border-collapse:collapse;margin:4px 0 8px}th,td{padding:4px 10px;text-align:left;border-bottom:1px solid #e5e7eb}
th{background:#f3f4f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.run th{background:none;color:#4b5563;font-weight:normal}td.tag{padding-left:28px;color:#374151}
.verdict{display:inline-block;padding:6px 12px;border-radius:6px;font-weight:600}
.pass{background:#dcfce7;color:#166534}.fail{background:#fee2e2;color:#991b1b}.none{background:#f3f4f6;color:#374151}
.ok{color:#15803d;font-weight:bold}.bad{color:#b91c1c;font-weight:bold}
figure{margin:12px 0}svg.chart{width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
footer{margin-top:32px;color:#6b7280;font-size:12px}
)";

double number(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

std::string text(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? xml_escaped(j[key].get<std::string>())
                                                                : "-";
}

std::string bytes_text(double bytes) {
  if (bytes < 1e3) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1e6) return fmt::format("{:.1f} kB", bytes / 1e3);
  if (bytes < 1e9) return fmt::format("{:.1f} MB", bytes / 1e6);
  return fmt::format("{:.2f} GB", bytes / 1e9);
}

const Json& verdicts_of(const Json& summary) {
  static const Json none = Json::array();
  return summary.contains("verdicts") && summary["verdicts"].is_array() ? summary["verdicts"] : none;
}

std::string verdict_badge(const Json& verdicts) {
  if (verdicts.empty()) return R"(<span class="verdict none">no thresholds</span>)";
  bool passed = std::all_of(verdicts.begin(), verdicts.end(),
                            [](const Json& v) { return v.contains("ok") && v["ok"] == true; });
  return passed ? R"(<span class="verdict pass">✓ all thresholds passed</span>)"
                : R"(<span class="verdict fail">✗ thresholds failed</span>)";
}

std::string shard_text(const Json& summary) {
  if (!summary.contains("shard") || !summary["shard"].is_array() || summary["shard"].size() != 2) return "-";
  const auto& s = summary["shard"];
  if (summary.value("merged", false)) return fmt::format("{} of {} shards merged", s[0].dump(), s[1].dump());
  return fmt::format("{}/{}", s[0].dump(), s[1].dump());
}

std::string header(const Json& summary) {
  std::string out = "<h1>reprise replay report</h1>\n<table class=\"run\">\n";
  auto row = [&](const char* name, const std::string& value) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", name, value);
  };
  row("capture", text(summary, "capture"));
  row("target", text(summary, "target"));
  row("profile", text(summary, "profile"));
  row("executor", text(summary, "executor"));
  row("shard", shard_text(summary));
  row("elapsed", fmt::format("{:.2f} s", number(summary, "elapsed_s")));
  if (summary.contains("cut_because")) row("cut short", text(summary, "cut_because"));
  row("verdict", verdict_badge(verdicts_of(summary)));
  return out + "</table>\n";
}

std::string threshold_table(const Json& summary) {
  const Json& verdicts = verdicts_of(summary);
  std::string out = "<h2>Thresholds</h2>\n";
  if (verdicts.empty()) return out + "<p>The profile sets no thresholds.</p>\n";
  out +=
      "<table "
      "class=\"thresholds\">\n<tr><th></th><th>threshold</th><th>condition</th><th>measured</th></tr>\n";
  for (const auto& v : verdicts) {
    bool ok = v.contains("ok") && v["ok"] == true;
    Verdict verdict{v.value("threshold", ""), v.value("condition", ""), std::nullopt, ok};
    if (v.contains("actual") && v["actual"].is_number()) verdict.actual = v["actual"].get<double>();
    std::string measured = xml_escaped(measured_text(verdict));
    out +=
        fmt::format("<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                    ok ? "ok" : "bad", ok ? "✓" : "✗", text(v, "threshold"), text(v, "condition"), measured);
  }
  return out + "</table>\n";
}

// A drill's thresholds inside each fault window beside outside them (the summary's "windows").
std::string window_table(const Json& summary) {
  if (!summary.contains("windows") || !summary["windows"].is_array() || summary["windows"].empty()) return "";
  const Json& windows = summary["windows"];
  std::string out =
      "<h2>Thresholds by fault window</h2>\n<table class=\"thresholds\">\n<tr><th>threshold</th>"
      "<th>condition</th>";
  for (const auto& w : windows) {
    bool outside = w.value("name", "") == "outside";
    out += "<th>" + text(w, "name") +
           (outside ? fmt::format(" ({:.0f} s)", number(w, "covered_s"))
                    : fmt::format(" {:.0f}–{:.0f} s", number(w, "start_s"), number(w, "end_s"))) +
           "</th>";
  }
  out += "</tr>\n";
  const Json& first = windows[0]["verdicts"];
  for (size_t i = 0; first.is_array() && i < first.size(); ++i) {
    out += "<tr><td>" + text(first[i], "threshold") + "</td><td>" + text(first[i], "condition") + "</td>";
    for (const auto& w : windows) {
      const Json& v = w["verdicts"].is_array() && i < w["verdicts"].size() ? w["verdicts"][i] : Json();
      bool ok = v.is_object() && v.value("ok", false);
      out += v.is_object() && v.contains("actual") && v["actual"].is_number()
                 ? fmt::format("<td class=\"n {}\">{} {:.4g}</td>", ok ? "ok" : "bad", ok ? "✓" : "✗",
                               v["actual"].get<double>())
                 : std::string("<td class=\"n\">-</td>");
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

// One row of k6's trend summary; `label` is already escaped.
std::string trend_row(const std::string& label, const Json& histogram, const std::string& field,
                      bool sub = false) {
  auto h = histogram.is_null() ? Histogram() : Histogram::from_json(histogram, "summary", field);
  std::string out = fmt::format("<tr><td{}>{}</td>", sub ? " class=\"tag\"" : "", label);
  auto cell = [&](double us) { out += "<td class=\"n\">" + (h.count() ? duration_text(us) : "-") + "</td>"; };
  cell(h.mean());
  cell(static_cast<double>(h.min()));
  cell(static_cast<double>(h.percentile(50)));
  cell(static_cast<double>(h.max()));
  for (double p : {90.0, 95.0, 99.0}) cell(static_cast<double>(h.percentile(p)));
  return out + fmt::format("<td class=\"n\">{}</td></tr>\n", h.count());
}

std::string trend_table(const Json& summary) {
  const Json none;
  std::string out =
      "<table class=\"trends\">\n<tr><th>trend</th><th>avg</th><th>min</th><th>med</th><th>max</th>"
      "<th>p(90)</th><th>p(95)</th><th>p(99)</th><th>count</th></tr>\n";
  const Json& histograms = summary.contains("histograms") ? summary["histograms"] : none;
  const Json& tags = summary.contains("tags") && summary["tags"].is_object() ? summary["tags"] : none;
  for (const char* name : {"http_req_duration", "http_req_waiting", "sse_time_to_first_event"}) {
    const Json& h = histograms.is_object() && histograms.contains(name) ? histograms[name] : none;
    out += trend_row(name, h, std::string("histograms.") + name);
    if (!tags.is_object()) continue;
    for (auto it = tags.begin(); it != tags.end(); ++it)
      if (it.value().is_object() && it.value().contains(name))
        out += trend_row("{name:" + xml_escaped(it.key()) + "}", it.value()[name],
                         "tags." + it.key() + "." + name, true);
  }
  return out + "</table>\n";
}

std::string statuses(const Json& summary) {
  std::string out;
  if (!summary.contains("status") || !summary["status"].is_object()) return "-";
  for (auto it = summary["status"].begin(); it != summary["status"].end(); ++it)
    out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", xml_escaped(it.key()), it.value().dump());
  return out.empty() ? "-" : out;
}

std::string counter_table(const Json& summary) {
  static const Json none = Json::object();
  const Json& c =
      summary.contains("counters") && summary["counters"].is_object() ? summary["counters"] : none;
  const double secs = std::max(number(summary, "elapsed_s"), 1e-9);
  const double reqs = number(c, "http_reqs"), failed = number(c, "http_req_failed");
  std::string out =
      "<table class=\"counters\">\n<tr><th>counter</th><th>value</th><th>rate and detail</th></tr>\n";
  auto row = [&](const char* name, const std::string& value, const std::string& detail) {
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n", name, value, detail);
  };
  auto per_s = [&](double n) { return fmt::format("{:.1f}/s", n / secs); };
  row("http_reqs", fmt::format("{:.0f}", reqs), per_s(reqs));
  row("http_req_failed", fmt::format("{:.2f}%", reqs > 0 ? 100 * failed / reqs : 0),
      fmt::format("{:.0f} of {:.0f}; {:.0f} without an answer; {:.0f} cut by the end", failed, reqs,
                  number(c, "transport_errors"), number(c, "interrupted")));
  std::string planned = summary.contains("planned_iterations") && summary["planned_iterations"].is_number()
                            ? fmt::format("; {:.0f} planned", number(summary, "planned_iterations"))
                            : "";
  row("iterations", fmt::format("{:.0f}", number(c, "iterations")),
      per_s(number(c, "iterations")) + planned +
          fmt::format("; {:.0f} cut by the end", number(c, "interrupted_iterations")));
  row("dropped_iterations", fmt::format("{:.0f}", number(c, "dropped_iterations")),
      per_s(number(c, "dropped_iterations")));
  row("data_received", bytes_text(number(c, "data_received")),
      bytes_text(number(c, "data_received") / secs) + "/s");
  row("data_sent", bytes_text(number(c, "data_sent")), bytes_text(number(c, "data_sent") / secs) + "/s");
  row("vus_max", fmt::format("{:.0f}", number(summary, "vus_max")), "VUs made");
  row("sse", fmt::format("{:.0f}", number(c, "sse_connections")),
      fmt::format("streams opened; {:.0f} events; at most {:.0f} open at once", number(c, "sse_events"),
                  number(summary, "sse_open_peak")));
  row("bodies_too_big", fmt::format("{:.0f}", number(c, "bodies_too_big")), "answers over 1 MiB not read");
  row("status", "", statuses(summary));
  return out + "</table>\n";
}

// The statuses each route got against the recorded ones, and why requests failed.
std::string failure_table(const StatusSection& statuses) {
  if (statuses.rows.empty()) return "";
  std::string out = fmt::format(
      "<h2>Statuses by route</h2>\n<p>Recorded status against replayed status; expected statuses: {}.</p>\n"
      "<table class=\"statuses\">\n<tr><th>route</th><th>method</th><th>recorded</th><th>replayed</th>"
      "<th>count</th><th></th></tr>\n",
      xml_escaped(statuses.expected));
  for (const auto& r : statuses.rows)
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"{}\">{}</td></tr>\n",
        xml_escaped(r.route), xml_escaped(r.method), xml_escaped(r.recorded), xml_escaped(r.replayed),
        r.count, r.failed ? "bad" : "ok", r.failed ? "✗ failed" : "✓");
  out += "</table>\n";
  if (statuses.why.empty()) return out;
  out += "<h2>Why requests failed</h2>\n<ul class=\"why\">\n";
  for (const auto& line : statuses.why) out += "<li>" + xml_escaped(line) + "</li>\n";
  return out + "</ul>\n";
}

// --compare: per route, answers compared, identical and differing, and the fields that differed.
std::string comparison_table(const Json& summary) {
  if (!summary.contains("response_diffs") || !summary["response_diffs"].is_object()) return "";
  std::string out =
      "<h2>Response comparison</h2>\n<p>Each answer against the recorded one; noise (learned, volatile "
      "formats, correlated values, <code>compare.ignore</code>, the baseline's) left out.</p>\n"
      "<table class=\"comparison\">\n<tr><th>route</th><th>method</th><th>compared</th><th>identical</th>"
      "<th>differing</th><th>fields (answers; recorded → replayed)</th></tr>\n";
  for (const auto& r : summary["response_diffs"].value("routes", Json::array())) {
    std::string fields;
    for (const auto& f : r.value("fields", Json::array())) {
      if (f.value("noise", false) || f.value("count", uint64_t{0}) == 0) continue;
      fields += fmt::format("<div><code>{}</code> {} ({}; <code>{}</code> → <code>{}</code>)</div>",
                            xml_escaped(f.value("field", "")), xml_escaped(f.value("kind", "")),
                            f.value("count", uint64_t{0}), xml_escaped(f.value("recorded", "")),
                            xml_escaped(f.value("live", "")));
    }
    const uint64_t differing = r.value("differing", uint64_t{0});
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n {}\">{}</td>"
        "<td>{}</td></tr>\n",
        xml_escaped(r.value("name", "")), xml_escaped(r.value("method", "")), r.value("compared", uint64_t{0}),
        r.value("identical", uint64_t{0}), differing ? "bad" : "ok", differing, fields);
  }
  return out + "</table>\n";
}

std::string charts(const Json& summary) {
  std::string out = "<h2>Over time</h2>\n";
  for (const auto& chart : timeline_charts(summary)) out += "<figure>" + chart.svg() + "</figure>\n";
  return out;
}

}  // namespace

std::string html_report(const Json& summary, const StatusSection& statuses) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>reprise report: {}</title>\n<style>{}</style>\n</head>\n<body>\n",
      text(summary, "capture"), kStyle);
  out += header(summary);
  out += threshold_table(summary);
  out += window_table(summary);
  out += "<h2>Summary</h2>\n" + trend_table(summary) + counter_table(summary);
  out += failure_table(statuses);
  out += comparison_table(summary);
  out += charts(summary);
  out += "<footer>Made by reprise " REPRISE_VERSION " from the run's summary.</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace reprise::metrics
