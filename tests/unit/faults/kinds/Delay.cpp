#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>

#include "faults/FakeExchange.hpp"

using namespace reprise::faults;
using namespace reprise::faults::test;
using namespace std::chrono_literals;

namespace {

// The request delays drawn for 4001 requests: the least, the median and the most, in ms.
std::array<double, 3> spread_ms(const std::string& spec) {
  auto set = set_of(R"({"faults": [{"name": "d", "delay": )" + spec + "}]}");
  reprise::http::MessageHead request;
  request.method = "GET";
  request.target = "/";
  Random random(7);
  std::vector<double> ms;
  for (int i = 0; i < 4001; ++i) {
    auto hits = set.choose(request, Duration{0}, random);
    FakeExchange x;
    run(hits.before_upstream(x));
    ms.push_back(static_cast<double>(x.pauses.at(0).count()) / 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[2000], ms.back()};
}

}  // namespace

TEST_CASE("delay: upstream waits before the request goes, downstream before the answer", "[faults]") {
  auto up = hit(R"("delay": {"fixed": "200ms"})");
  FakeExchange x;
  CHECK(run(up.before_upstream(x)) == Next::go_on);
  run(up.before_answer(x));
  CHECK(x.pauses == std::vector<Duration>{200ms});

  auto down = hit(R"("delay": {"fixed": "10ms"})", R"("direction": "downstream")");
  FakeExchange y;
  CHECK(run(down.before_upstream(y)) == Next::go_on);
  CHECK(y.pauses.empty());
  run(down.before_answer(y));
  CHECK(y.pauses == std::vector<Duration>{10ms});
}

TEST_CASE("delay: distributions have the centre and spread they say", "[faults]") {
  auto fixed = spread_ms(R"({"fixed": "200ms", "jitter": "50ms"})");
  CHECK(fixed[0] >= 150);
  CHECK(fixed[2] <= 250);
  CHECK(std::abs(fixed[1] - 200) < 5);
  auto normal = spread_ms(R"({"distribution": "normal", "mean": "100ms", "stddev": "10ms"})");
  CHECK(std::abs(normal[1] - 100) < 2);
  auto pareto = spread_ms(R"({"distribution": "pareto", "scale": "50ms", "shape": 2})");
  CHECK(pareto[0] >= 50);
  CHECK(std::abs(pareto[1] - 50 * std::sqrt(2.0)) < 3);  // the median of Pareto(50, 2) is 50·2^(1/2)
}

TEST_CASE("delay: malformed settings name the field", "[faults]") {
  CHECK(error_of(R"({"faults": [{"name": "x", "delay": {"fixed": "soon"}}]})") ==
        "faults.json:field faults[0].delay.fixed: 'soon' is not a duration (expected a number)");
  CHECK(error_of(R"({"faults": [{"name": "x", "delay": {"fixed": "1s", "jiter": "1s"}}]})") ==
        "faults.json:field faults[0].delay.jiter: is not a setting of this kind (fixed, jitter)");
  CHECK(error_of(R"({"faults": [{"name": "x", "delay": {"distribution": "zipf"}}]})") ==
        "faults.json:field faults[0].delay.distribution: must be \"normal\" or \"pareto\"");
}
