#include "metrics/JUnitReport.hpp"

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;
using reprise::metrics::junit_xml;
using reprise::metrics::Verdict;

TEST_CASE("junit: one test case per condition, a failure for each breach", "[metrics][junit]") {
  std::vector<Verdict> verdicts = {
      {"http_req_duration{name:SendMessage}", "p(95)<500", 123.456, true},
      {"http_req_failed", "rate<0.01", 0.25, false},
      {"http_reqs{name:Login}", "count>0", std::nullopt, true},
  };
  std::string xml = junit_xml(verdicts, "reprise replay chat.jsonl", 12.3456);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  CHECK_THAT(xml, Contains(R"(<testsuites name="reprise" tests="3" failures="1" time="12.346">)"));
  CHECK_THAT(
      xml, Contains(R"(<testsuite name="reprise replay chat.jsonl" tests="3" failures="1" time="12.346">)"));
  CHECK_THAT(xml, Contains(R"(<testcase classname="http_req_duration{name:SendMessage}" name="p(95)&lt;500">)"
                           "<system-out>measured 123.456</system-out></testcase>"));
  CHECK_THAT(xml, Contains(R"(<testcase classname="http_req_failed" name="rate&lt;0.01">)"
                           R"(<failure message="http_req_failed rate&lt;0.01: measured 0.25"/></testcase>)"));
  CHECK_THAT(xml, Contains("<system-out>nothing measured</system-out>"));
  const std::string end = "  </testsuite>\n</testsuites>\n";
  REQUIRE(xml.size() >= end.size());
  CHECK(xml.substr(xml.size() - end.size()) == end);
}

TEST_CASE("junit: no thresholds is an empty suite, and names are escaped", "[metrics][junit]") {
  std::string empty = junit_xml({}, "a <b> & \"c\"", 0);
  CHECK_THAT(empty, Contains(R"(tests="0" failures="0" time="0.000")"));
  CHECK_THAT(empty, Contains(R"(<testsuite name="a &lt;b&gt; &amp; &quot;c&quot;")"));
  CHECK_THAT(empty, !Contains("<testcase"));
}
