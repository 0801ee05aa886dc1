#include "metrics/Threshold.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>

#include "Duration.hpp"
#include "InputError.hpp"

namespace reprise::metrics {
namespace {

// The aggregation of a condition over the metric's figures; nullopt when the kind has none.
std::optional<double> aggregate(const Condition& c, const MetricValues& v) {
  using Kind = MetricValues::Kind;
  const std::string& a = c.aggregation;
  if (v.kind == Kind::trend) {
    if (!v.trend || v.trend->count() == 0) return std::nullopt;
    auto ms = [](double us) { return us / 1000.0; };
    if (a == "avg") return ms(v.trend->mean());
    if (a == "min") return ms(static_cast<double>(v.trend->min()));
    if (a == "max") return ms(static_cast<double>(v.trend->max()));
    if (a == "med") return ms(static_cast<double>(v.trend->percentile(50)));
    if (a.starts_with("p(")) return ms(static_cast<double>(v.trend->percentile(c.percentile)));
    if (a == "count") return static_cast<double>(v.trend->count());
    return std::nullopt;
  }
  if (v.kind == Kind::rate) {
    if (a != "rate" || v.total == 0) return std::nullopt;
    return static_cast<double>(v.passes) / static_cast<double>(v.total);
  }
  if (v.kind == Kind::counter) {
    if (a == "count") return v.count;
    if (a == "rate") return v.per_second;
    return std::nullopt;
  }
  if (a == "value" || a == "last") return v.gauge.last;  // gauge
  if (a == "max") return v.gauge.max;
  if (a == "min") return v.gauge.min;
  if (a == "avg") return v.gauge.avg;
  return std::nullopt;
}

bool holds(double actual, const std::string& op, double bound) {
  if (op == "<") return actual < bound;
  if (op == "<=") return actual <= bound;
  if (op == ">") return actual > bound;
  if (op == ">=") return actual >= bound;
  if (op == "==") return actual == bound;
  return actual != bound;
}

}  // namespace

Condition parse_condition(const std::string& text, const std::string& file, const std::string& field) {
  auto fail = [&](const std::string& why) -> Condition {
    throw InputError(file, "field " + field, "'" + text + "' " + why);
  };
  size_t op_at = text.find_first_of("<>=!");
  if (op_at == std::string::npos || op_at == 0) return fail("is not a condition such as \"p(95)<500\"");
  Condition c;
  c.text = text;
  c.aggregation = text.substr(0, op_at);
  while (!c.aggregation.empty() && c.aggregation.back() == ' ') c.aggregation.pop_back();
  size_t op_len = (op_at + 1 < text.size() && text[op_at + 1] == '=') ? 2 : 1;
  c.op = text.substr(op_at, op_len);
  if (c.op == "=" || c.op == "!") return fail("has no comparison (<, <=, >, >=, ==, !=)");
  static const std::set<std::string> kAggregations = {"avg",  "min",   "max",   "med",
                                                      "rate", "count", "value", "last"};
  if (c.aggregation.starts_with("p(") && c.aggregation.ends_with(")")) {
    std::string n = c.aggregation.substr(2, c.aggregation.size() - 3);
    auto res = std::from_chars(n.data(), n.data() + n.size(), c.percentile);
    if (n.empty() || res.ec != std::errc() || res.ptr != n.data() + n.size() || c.percentile <= 0 ||
        c.percentile > 100)
      return fail("has a percentile outside p(0..100]");
  } else if (!kAggregations.count(c.aggregation)) {
    return fail("aggregates with '" + c.aggregation +
                "' (use p(N), avg, min, max, med, rate, count, value or last)");
  }
  std::string bound = text.substr(op_at + op_len);
  while (!bound.empty() && bound.front() == ' ') bound.erase(0, 1);
  auto res = std::from_chars(bound.data(), bound.data() + bound.size(), c.bound);
  if (bound.empty() || res.ec != std::errc() || res.ptr != bound.data() + bound.size())
    return fail("does not end in a number");
  return c;
}

namespace {

// "p(95)<500", or k6's object form {"threshold": "p(95)<500", "abortOnFail": true, "delayAbortEval": "10s"}.
Condition parse_threshold_condition(const nlohmann::json& c, const std::string& file,
                                    const std::string& field) {
  if (c.is_string()) return parse_condition(c.get<std::string>(), file, field);
  if (!c.is_object() || !c.contains("threshold") || !c["threshold"].is_string())
    throw InputError(file, "field " + field,
                     "conditions must be strings such as \"p(95)<500\" or {\"threshold\": \"p(95)<500\", "
                     "\"abortOnFail\": true}");
  Condition out = parse_condition(c["threshold"].get<std::string>(), file, field);
  for (auto it = c.begin(); it != c.end(); ++it) {
    std::string at = field + "." + it.key();
    if (it.key() == "abortOnFail" && it.value().is_boolean()) {
      out.abort_on_fail = it.value().get<bool>();
    } else if (it.key() == "delayAbortEval") {
      if (!it.value().is_string())
        throw InputError(file, "field " + at, "must be a duration such as \"10s\"");
      out.delay_abort_eval = parse_duration(it.value().get<std::string>(), file + ":field " + at);
    } else if (it.key() != "threshold") {
      throw InputError(file, "field " + at, "is not threshold, abortOnFail or delayAbortEval");
    }
  }
  return out;
}

}  // namespace

std::vector<Threshold> parse_thresholds(const nlohmann::json& all, const std::set<std::string>& known,
                                        const std::string& file) {
  auto fail = [&](const std::string& field, const std::string& problem) {
    throw InputError(file, "field " + field, problem);
  };
  if (!all.is_object()) fail("thresholds", "must be an object {\"metric{tag:value}\": [\"p(95)<500\"]}");
  std::vector<Threshold> out;
  for (auto it = all.begin(); it != all.end(); ++it) {
    std::string field = "thresholds." + it.key();
    Threshold t;
    t.text = it.key();
    size_t brace = it.key().find('{');
    t.metric = it.key().substr(0, brace);
    if (t.metric.empty()) fail(field, "names no metric");
    if (!known.count(t.metric)) {
      std::string names;
      for (const auto& m : known) names += (names.empty() ? "" : ", ") + m;
      fail(field, "names no metric reprise measures here (" + names + ")");
    }
    if (brace != std::string::npos) {
      if (it.key().back() != '}') fail(field, "tags must be written {name:value}");
      std::string tags = it.key().substr(brace + 1, it.key().size() - brace - 2);
      for (size_t start = 0; start < tags.size();) {
        size_t comma = tags.find(',', start);
        std::string pair = tags.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t colon = pair.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size())
          fail(field, "tags must be written {name:value}");
        std::string tag = pair.substr(0, colon);
        if (tag == "field" && t.metric == "response_diffs") {  // a JSON path may hold a comma
          t.tags[tag] = tags.substr(start + colon + 1);
          break;
        }
        if (tag != "name" && tag != "method" && tag != "status")
          fail(field,
               "filters by the tag '" + tag +
                   "' (reprise tags requests with name, method and status; response_diffs also with field)");
        t.tags[tag] = pair.substr(colon + 1);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    const auto& conditions = it.value();
    if (!conditions.is_array() || conditions.empty())
      fail(field, "must be a list of conditions such as \"p(95)<500\"");
    for (const auto& c : conditions) t.conditions.push_back(parse_threshold_condition(c, file, field));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Verdict> judge(const std::vector<Threshold>& thresholds,
                           const std::function<std::optional<MetricValues>(const Threshold&)>& values) {
  std::vector<Verdict> out;
  for (const auto& t : thresholds) {
    auto figures = values(t);
    for (const auto& c : t.conditions) {
      Verdict v{t.text, c.text, figures ? aggregate(c, *figures) : std::nullopt, false};
      v.ok = v.actual && holds(*v.actual, c.op, c.bound);
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string value_text(const Verdict& v) {
  if (!v.actual) return "nothing measured";
  const std::string metric = v.threshold.substr(0, v.threshold.find('{'));
  const std::string aggregation = v.condition.substr(0, v.condition.find_first_of("<>=!"));
  const bool latency =
      metric == "http_req_duration" || metric == "http_req_waiting" || metric == "sse_time_to_first_event";
  if (latency && aggregation != "count") return fmt::format("{:.4g} ms", *v.actual);
  if (aggregation == "rate" && (metric == "http_req_failed" || metric == "response_diffs"))
    return fmt::format("{:.4g} ({:.2f} %)", *v.actual, 100 * *v.actual);
  if (aggregation == "rate") return fmt::format("{:.4g}/s", *v.actual);
  if (metric == "data_sent" || metric == "data_received") return fmt::format("{:.4g} B", *v.actual);
  if (*v.actual == std::floor(*v.actual) && std::fabs(*v.actual) < 1e15)
    return fmt::format("{:.0f}", *v.actual);
  return fmt::format("{:.4g}", *v.actual);
}

std::string measured_text(const Verdict& v) { return v.actual ? "measured " + value_text(v) : value_text(v); }

}  // namespace reprise::metrics
