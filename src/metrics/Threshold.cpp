#include "metrics/Threshold.hpp"

#include <charconv>
#include <set>

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
  if (a == "value" || a == "max") return v.count;  // gauge
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
  static const std::set<std::string> kAggregations = {"avg", "min", "max", "med", "rate", "count", "value"};
  if (c.aggregation.starts_with("p(") && c.aggregation.ends_with(")")) {
    std::string n = c.aggregation.substr(2, c.aggregation.size() - 3);
    auto res = std::from_chars(n.data(), n.data() + n.size(), c.percentile);
    if (n.empty() || res.ec != std::errc() || res.ptr != n.data() + n.size() || c.percentile <= 0 ||
        c.percentile > 100)
      return fail("has a percentile outside p(0..100]");
  } else if (!kAggregations.count(c.aggregation)) {
    return fail("aggregates with '" + c.aggregation +
                "' (use p(N), avg, min, max, med, rate, count or value)");
  }
  std::string bound = text.substr(op_at + op_len);
  while (!bound.empty() && bound.front() == ' ') bound.erase(0, 1);
  auto res = std::from_chars(bound.data(), bound.data() + bound.size(), c.bound);
  if (bound.empty() || res.ec != std::errc() || res.ptr != bound.data() + bound.size())
    return fail("does not end in a number");
  return c;
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

}  // namespace reprise::metrics
