#include "metrics/JUnitReport.hpp"

#include <fmt/format.h>

#include "metrics/XmlText.hpp"

namespace reprise::metrics {

std::string junit_xml(const std::vector<Verdict>& verdicts, const std::string& suite, double elapsed_s) {
  size_t failures = 0;
  for (const auto& v : verdicts) failures += v.ok ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"reprise\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                     verdicts.size(), failures, elapsed_s);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n",
                     xml_escaped(suite), verdicts.size(), failures, elapsed_s);
  for (const auto& v : verdicts) {
    std::string measured = v.actual ? fmt::format("measured {:.6g}", *v.actual) : "nothing measured";
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml_escaped(v.threshold),
                       xml_escaped(v.condition));
    if (v.ok) {
      out += fmt::format("><system-out>{}</system-out></testcase>\n", xml_escaped(measured));
    } else {
      out += fmt::format("><failure message=\"{} {}: {}\"/></testcase>\n", xml_escaped(v.threshold),
                         xml_escaped(v.condition), xml_escaped(measured));
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace reprise::metrics
