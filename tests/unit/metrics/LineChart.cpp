#include "metrics/LineChart.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <regex>
#include <string>

#include "Occurrences.hpp"

using reprise::metrics::ChartPoint;
using reprise::metrics::LineChart;

namespace {

using reprise::test::occurrences;

constexpr double kGap = std::numeric_limits<double>::quiet_NaN();

// The x,y pairs of every polyline, in order.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> out;
  std::regex line(R"(<polyline[^>]* points="([^"]*)\")");
  for (std::sregex_iterator it(svg.begin(), svg.end(), line), end; it != end; ++it) {
    out.emplace_back();
    std::string points = (*it)[1];
    std::regex pair(R"(([-0-9.]+),([-0-9.]+))");
    for (std::sregex_iterator p(points.begin(), points.end(), pair); p != end; ++p)
      out.back().emplace_back(std::stod((*p)[1]), std::stod((*p)[2]));
  }
  return out;
}

}  // namespace

TEST_CASE("a line chart draws axes, round ticks, a legend and one polyline per series", "[metrics][chart]") {
  LineChart chart("Requests", "per second");
  chart.add("http_reqs/s", {{1, 100}, {2, 180}, {3, 140}});
  chart.add("iterations/s", {{1, 50}, {2, 90}, {3, 70}});
  std::string svg = chart.svg();
  CHECK(svg.rfind("<svg ", 0) == 0);
  CHECK(occurrences(svg, "<polyline") == 2);
  CHECK(occurrences(svg, "</svg>") == 1);
  CHECK(svg.find(">Requests</text>") != std::string::npos);
  CHECK(svg.find(">http_reqs/s</text>") != std::string::npos);  // the legend
  CHECK(svg.find(">iterations/s</text>") != std::string::npos);
  CHECK(svg.find(">per second</text>") != std::string::npos);  // the y unit
  CHECK(svg.find(">seconds since start</text>") != std::string::npos);
  // y: 0 to 200 in steps of 50 (180 is the highest); x: 0 to 3 in steps of 1
  for (const char* tick : {">0<", ">50<", ">100<", ">150<", ">200<", ">1<", ">2<", ">3<"})
    CHECK(svg.find(tick) != std::string::npos);
  CHECK(svg.find(">250<") == std::string::npos);
  CHECK(svg.find("no data") == std::string::npos);
}

TEST_CASE("a line chart puts higher values higher and later points further right", "[metrics][chart]") {
  LineChart chart("c", "u");
  chart.add("a", {{0, 0}, {5, 10}, {10, 5}});
  auto lines = polylines(chart.svg());
  REQUIRE(lines.size() == 1);
  REQUIRE(lines[0].size() == 3);
  CHECK(lines[0][0].first < lines[0][1].first);
  CHECK(lines[0][1].first < lines[0][2].first);
  CHECK(lines[0][1].second < lines[0][2].second);  // SVG's y grows downwards
  CHECK(lines[0][2].second < lines[0][0].second);
}

TEST_CASE("a missing value breaks the line; a lone value is a dot", "[metrics][chart]") {
  LineChart chart("c", "u");
  chart.add("a", {{1, 1}, {2, 2}, {3, kGap}, {4, 4}, {5, 5}, {6, kGap}, {7, 7}});
  std::string svg = chart.svg();
  auto lines = polylines(svg);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].size() == 2);
  CHECK(lines[1].size() == 2);
  CHECK(occurrences(svg, "<circle") == 1);
}

TEST_CASE("a chart without a value says no data", "[metrics][chart]") {
  LineChart empty("Errors", "per second");
  CHECK(empty.empty());
  CHECK(empty.svg().find(">no data</text>") != std::string::npos);
  LineChart gaps("Errors", "per second");
  gaps.add("failed/s", {{1, kGap}, {2, kGap}});
  CHECK(gaps.empty());
  std::string svg = gaps.svg();
  CHECK(svg.find(">no data</text>") != std::string::npos);
  CHECK(occurrences(svg, "<polyline") == 0);
  LineChart zeros("Errors", "per second");  // zero errors is a value: drawn, on a 0..1 axis
  zeros.add("failed/s", {{1, 0}, {2, 0}});
  CHECK_FALSE(zeros.empty());
  CHECK(occurrences(zeros.svg(), "<polyline") == 1);
  CHECK(zeros.svg().find(">1<") != std::string::npos);
  CHECK(zeros.svg().find(">0.2<") != std::string::npos);
}

TEST_CASE("extend_x stretches the time axis; fractions and thousands are labelled", "[metrics][chart]") {
  LineChart chart("c", "u");
  chart.add("a", {{0.5, 0.3}, {1.5, 0.7}});
  chart.extend_x(20);
  std::string svg = chart.svg();
  CHECK(svg.find(">20<") != std::string::npos);
  CHECK(svg.find(">0.8<") != std::string::npos);  // y 0..0.8 by 0.2
  LineChart big("c", "u");
  big.add("a", {{1, 12000}, {2, 9000}});
  CHECK(big.svg().find(">10k<") != std::string::npos);
  CHECK(big.svg().find(">15k<") != std::string::npos);
}

TEST_CASE("labels and titles are escaped", "[metrics][chart]") {
  LineChart chart("t<&>\"", "u'");
  chart.add("<script>&", {{1, 1}, {2, 2}});
  std::string svg = chart.svg();
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;&amp;") != std::string::npos);
  CHECK(svg.find("t&lt;&amp;&gt;&quot;") != std::string::npos);
  CHECK(svg.find("u&#39;") != std::string::npos);
}
