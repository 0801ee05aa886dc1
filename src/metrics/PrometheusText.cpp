#include "metrics/PrometheusText.hpp"

#include <fmt/format.h>

namespace reprise::metrics {
namespace {

constexpr double kBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Label values escape backslash, quote and newline.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels_text(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels)
    out += fmt::format("{}{}=\"{}\"", out.size() > 1 ? "," : "", k, label_value(v));
  return out + "}";
}

}  // namespace

void PrometheusText::family(const std::string& name, const std::string& type, const std::string& help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(const std::string& name, const Labels& labels, double value) {
  out_ += fmt::format("{}{} {}\n", name, labels_text(labels), value);
}

void PrometheusText::histogram(const std::string& name, const Labels& labels, const Histogram& us) {
  for (double le : kBounds) {
    Labels with = labels;
    with.emplace_back("le", fmt::format("{}", le));
    sample(name + "_bucket", with, static_cast<double>(us.count_at_most(static_cast<uint64_t>(le * 1e6))));
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  sample(name + "_bucket", inf, static_cast<double>(us.count()));
  sample(name + "_sum", labels, static_cast<double>(us.sum()) / 1e6);
  sample(name + "_count", labels, static_cast<double>(us.count()));
}

}  // namespace reprise::metrics
