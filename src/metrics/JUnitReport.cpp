#include "metrics/JUnitReport.hpp"

#include <fmt/format.h>

namespace reprise::metrics {
namespace {

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string junit_xml(const std::vector<Verdict>& verdicts, const std::string& suite, double elapsed_s) {
  size_t failures = 0;
  for (const auto& v : verdicts) failures += v.ok ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"reprise\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                     verdicts.size(), failures, elapsed_s);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                     escaped(suite), verdicts.size(), failures, elapsed_s);
  for (const auto& v : verdicts) {
    std::string measured = v.actual ? fmt::format("measured {:.6g}", *v.actual) : "nothing measured";
    out +=
        fmt::format("    <testcase classname=\"{}\" name=\"{}\"", escaped(v.threshold), escaped(v.condition));
    if (v.ok) {
      out += fmt::format("><system-out>{}</system-out></testcase>\n", escaped(measured));
    } else {
      out += fmt::format("><failure message=\"{} {}: {}\"/></testcase>\n", escaped(v.threshold),
                         escaped(v.condition), escaped(measured));
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace reprise::metrics
