#include "sources/PrometheusAnswer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <numeric>

namespace reprise::sources {
namespace {

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }

void skip_blanks(std::string_view s, size_t& at) {
  while (at < s.size() && (s[at] == ' ' || s[at] == '\t')) ++at;
}

// Go's ParseFloat as Prometheus writes values: decimal, exponent, NaN, +Inf, -Inf.
bool parse_value(std::string_view s, double& out) {
  if (s == "NaN") return out = std::nan(""), true;
  if (s == "+Inf" || s == "Inf") return out = HUGE_VAL, true;
  if (s == "-Inf") return out = -HUGE_VAL, true;
  std::string copy(s);  // strtod needs a terminated string
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size() && std::isfinite(out);
}

// {a="x",b="y\"z"} from `at` (just past '{') to past '}'; false on a malformed set.
bool parse_labels(std::string_view s, size_t& at, std::map<std::string, std::string>& out) {
  for (;;) {
    skip_blanks(s, at);
    if (at < s.size() && s[at] == '}') return ++at, true;
    size_t start = at;
    while (at < s.size() && name_char(s[at])) ++at;
    std::string name(s.substr(start, at - start));
    skip_blanks(s, at);
    if (name.empty() || at + 1 >= s.size() || s[at] != '=') return false;
    ++at;
    skip_blanks(s, at);
    if (at >= s.size() || s[at] != '"') return false;
    std::string value;
    for (++at; at < s.size() && s[at] != '"'; ++at) {
      if (s[at] != '\\') {
        value += s[at];
        continue;
      }
      if (++at >= s.size()) return false;
      value += s[at] == 'n' ? '\n' : s[at];  // \\, \" and \n are the escapes
    }
    if (at >= s.size()) return false;
    out[name] = std::move(value);
    ++at;
    skip_blanks(s, at);
    if (at < s.size() && s[at] == ',') ++at;
  }
}

}  // namespace

std::string labelled(const std::string& metric, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return metric;
  std::string out = metric + "{";
  for (const auto& [k, v] : labels) out += (out.back() == '{' ? "" : ",") + k + "=\"" + v + "\"";
  return out + "}";
}

Reading combine(const std::vector<double>& values, const std::string& aggregate) {
  if (values.empty()) return {false, 0, "no value"};
  double v = 0;
  if (aggregate == "max")
    v = *std::max_element(values.begin(), values.end());
  else if (aggregate == "min")
    v = *std::min_element(values.begin(), values.end());
  else
    v = std::accumulate(values.begin(), values.end(), 0.0);
  if (aggregate == "avg") v /= static_cast<double>(values.size());
  return {true, v, {}};
}

Reading read_exposition(std::string_view text, const std::string& metric,
                        const std::map<std::string, std::string>& labels, const std::string& aggregate) {
  std::vector<double> values;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t at = 0;
    skip_blanks(line, at);
    if (line.compare(at, metric.size(), metric) != 0) continue;  // comments, other metrics
    at += metric.size();
    if (at < line.size() && name_char(line[at])) continue;  // a longer name: metric_total
    auto bad = [&](const char* why) {
      return Reading{false, 0, "line " + std::to_string(line_no) + ": " + why};
    };
    std::map<std::string, std::string> found;
    skip_blanks(line, at);
    if (at < line.size() && line[at] == '{' && !parse_labels(line, ++at, found))
      return bad("a malformed label set");
    skip_blanks(line, at);
    size_t value_end = line.find_first_of(" \t", at);
    double value = 0;
    if (!parse_value(
            line.substr(at, value_end == std::string_view::npos ? std::string_view::npos : value_end - at),
            value))
      return bad("no number after the name and labels");
    const bool picked = std::all_of(labels.begin(), labels.end(), [&](const auto& l) {
      auto it = found.find(l.first);
      return it != found.end() && it->second == l.second;
    });
    if (picked && std::isfinite(value)) values.push_back(value);
  }
  if (values.empty()) return {false, 0, "no sample " + labelled(metric, labels)};
  return combine(values, aggregate);
}

Reading read_query_answer(std::string_view body, const std::string& aggregate) {
  using Json = nlohmann::json;
  const Json j = Json::parse(body, nullptr, false);
  auto text = [](const Json& in, const char* key) {
    auto it = in.find(key);
    return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("status"))
    return {false, 0, "the answer is not JSON from a Prometheus query API"};
  if (text(j, "status") != "success") {
    const std::string why = text(j, "error");
    return {false, 0, "the query failed: " + (why.empty() ? "status " + j["status"].dump() : why)};
  }
  const Json* data = j.contains("data") && j["data"].is_object() ? &j["data"] : nullptr;
  const Json* result = data && data->contains("result") ? &(*data)["result"] : nullptr;
  const std::string type = data ? text(*data, "resultType") : "";
  auto number = [](const Json& pair, std::vector<double>& out) {
    double v = 0;
    if (pair.is_array() && pair.size() == 2 && pair[1].is_string() &&
        parse_value(pair[1].get<std::string>(), v) && std::isfinite(v))
      out.push_back(v);
  };
  std::vector<double> values;
  if (type == "scalar" && result) {
    number(*result, values);
  } else if (type == "vector" && result && result->is_array()) {
    for (const auto& series : *result)
      if (series.is_object() && series.contains("value")) number(series["value"], values);
  } else {
    return {false, 0,
            "the query gave a " + (type.empty() ? std::string("malformed result") : type) +
                ", not an instant vector or scalar"};
  }
  if (values.empty()) return {false, 0, "the query returned no series with a finite value"};
  return combine(values, aggregate);
}

}  // namespace reprise::sources
