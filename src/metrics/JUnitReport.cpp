#include "metrics/JUnitReport.hpp"

#include <fmt/format.h>

#include "metrics/XmlText.hpp"

namespace reprise::metrics {

namespace {

// One test case per route compared: failed when answers differed on a reported field.
std::string comparison_suite(const nlohmann::json& diffs, size_t& tests, size_t& failures) {
  std::string cases;
  size_t n = 0, failed = 0;
  for (const auto& r : diffs.value("routes", nlohmann::json::array())) {
    const std::string route = r.value("name", "") + " " + r.value("method", "");
    const uint64_t compared = r.value("compared", uint64_t{0}), differing = r.value("differing", uint64_t{0});
    ++n;
    cases += fmt::format("    <testcase classname=\"response comparison\" name=\"{}\"", xml_escaped(route));
    std::string figures = fmt::format("{} compared, {} identical, {} differing", compared,
                                      r.value("identical", uint64_t{0}), differing);
    if (differing == 0) {
      cases += fmt::format("><system-out>{}</system-out></testcase>\n", xml_escaped(figures));
      continue;
    }
    ++failed;
    std::string fields;
    for (const auto& f : r.value("fields", nlohmann::json::array())) {
      if (f.value("noise", false) || f.value("count", uint64_t{0}) == 0) continue;
      fields += fmt::format("{} ({}): {} answers; recorded {}, replayed {}\n", f.value("field", ""),
                            f.value("kind", ""), f.value("count", uint64_t{0}), f.value("recorded", ""),
                            f.value("live", ""));
    }
    cases += fmt::format("><failure message=\"{}: {}\">{}</failure></testcase>\n", xml_escaped(route),
                         xml_escaped(figures), xml_escaped(fields));
  }
  tests += n;
  failures += failed;
  return fmt::format("  <testsuite name=\"response comparison\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n",
                     n, failed, cases);
}

}  // namespace

std::string junit_xml(const std::vector<Verdict>& verdicts, const std::string& suite, double elapsed_s,
                      const nlohmann::json& response_diffs) {
  size_t failures = 0;
  for (const auto& v : verdicts) failures += v.ok ? 0 : 1;
  size_t tests = verdicts.size(), all_failures = failures;
  const std::string comparison =
      response_diffs.is_object() ? comparison_suite(response_diffs, tests, all_failures) : std::string();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"reprise\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", tests,
                     all_failures, elapsed_s);
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
  out += "  </testsuite>\n" + comparison + "</testsuites>\n";
  return out;
}

}  // namespace reprise::metrics
