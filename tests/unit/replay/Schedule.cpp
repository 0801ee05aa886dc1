#include "replay/Schedule.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using reprise::replay::ArrivalSchedule;
using reprise::replay::Profile;
using reprise::replay::vus_at;
using std::chrono::microseconds;
using namespace std::chrono_literals;

namespace {

Profile parse(const std::string& text) { return Profile::parse(nlohmann::json::parse(text), "p.json"); }

ArrivalSchedule ramp(const std::string& start_rate, const std::string& stages) {
  return ArrivalSchedule(parse(R"({"executor": "ramping-arrival-rate", "preAllocatedVUs": 1, "startRate": )" +
                               start_rate + R"(, "stages": )" + stages + "}"));
}

microseconds seconds(double s) { return microseconds(std::llround(s * 1e6)); }

// How far due(n) is from `expected` seconds, in microseconds (a large number when it is missing).
double error_us(const ArrivalSchedule& s, uint64_t n, long double expected) {
  auto due = s.due(n);
  return due ? std::fabs(static_cast<double>(due->count() - expected * 1e6L)) : 1e18;
}

}  // namespace

TEST_CASE("schedule: constant rate spaces iterations evenly and stops at the end", "[schedule]") {
  ArrivalSchedule s(parse(R"({"executor": "constant-arrival-rate", "rate": 5000, "timeUnit": "1s",
                              "duration": "20s", "preAllocatedVUs": 10})"));
  CHECK(s.total() == 100000);
  CHECK(s.end() == 20s);
  CHECK(s.due(0) == 0us);
  CHECK(s.due(1) == 200us);
  CHECK(s.due(99999) == 19999800us);
  CHECK(s.due(100000) == std::nullopt);
  int off_grid = 0;
  for (uint64_t n = 0; n < s.total(); ++n) off_grid += s.due(n) != microseconds(200 * n);
  CHECK(off_grid == 0);
}

TEST_CASE("schedule: timeUnit 1m counts iterations per minute", "[schedule]") {
  ArrivalSchedule s(parse(R"({"executor": "constant-arrival-rate", "rate": 30, "timeUnit": "1m",
                              "duration": "2m", "preAllocatedVUs": 1})"));
  CHECK(s.total() == 60);
  CHECK(s.due(1) == 2s);
  CHECK(s.due(59) == 118s);
  CHECK(s.due(60) == std::nullopt);
}

TEST_CASE("schedule: a ramp up from 0 follows the integral of the rate", "[schedule]") {
  auto s = ramp("0", R"([{"duration": "10s", "target": 100}])");
  CHECK(s.total() == 500);
  CHECK(s.end() == 10s);
  double worst = 0;
  for (uint64_t n = 0; n < 500; ++n) worst = std::max(worst, error_us(s, n, std::sqrt(2.0L * n / 10)));
  CHECK(worst <= 1);
  CHECK(s.due(500) == std::nullopt);
}

TEST_CASE("schedule: a ramp down to 0 packs iterations at the start", "[schedule]") {
  auto s = ramp("100", R"([{"duration": "10s", "target": 0}])");
  CHECK(s.total() == 500);
  CHECK(s.due(0) == 0us);
  CHECK(s.due(1) > 10ms);  // slower than the 100/s it starts at
  double worst = 0;        // 100t - 5t² = n
  for (uint64_t n = 0; n < 500; ++n) worst = std::max(worst, error_us(s, n, 10 - std::sqrt(100 - n / 5.0L)));
  CHECK(worst <= 1);
  CHECK(s.due(500) == std::nullopt);
}

TEST_CASE("schedule: iterations per second match the rate through up, hold and down", "[schedule]") {
  auto s = ramp("20", R"([{"duration": "3s", "target": 250}, {"duration": "6s", "target": 250},
                          {"duration": "4s", "target": 0}])");
  auto rate = [](double t) { return t < 3 ? 20 + 230 * t / 3 : t < 9 ? 250 : 250 - 250 * (t - 9) / 4; };
  CHECK(s.total() == 405 + 1500 + 500);
  std::vector<int> per_second(13, 0);
  for (uint64_t n = 0; n < s.total(); ++n) ++per_second.at(s.due(n)->count() / 1000000);
  for (int second = 0; second < 13; ++second) {
    double expected = 0;  // trapezoids are exact for the linear pieces between whole seconds
    for (int ms = 0; ms < 1000; ++ms)
      expected += (rate(second + ms / 1e3) + rate(second + (ms + 1) / 1e3)) / 2e3;
    INFO("second " << second << ": expected " << expected);
    CHECK(std::abs(per_second[second] - expected) <= 1);
  }
}

TEST_CASE("schedule: a zero-duration stage jumps to its target at once", "[schedule]") {
  auto s = ramp("10", R"([{"duration": "2s", "target": 10}, {"duration": "0s", "target": 100},
                          {"duration": "1s", "target": 100}])");
  CHECK(s.total() == 120);
  CHECK(s.end() == 3s);
  CHECK(s.due(19) == 1900ms);
  CHECK(s.due(20) == 2s);
  CHECK(s.due(21) == 2010ms);
  CHECK(s.due(119) == 2990ms);

  auto from_start = ramp("0", R"([{"duration": "0s", "target": 50}, {"duration": "2s", "target": 50}])");
  CHECK(from_start.total() == 100);
  CHECK(from_start.due(1) == 20ms);
}

TEST_CASE("schedule: nothing is due while the rate is 0", "[schedule]") {
  auto pause = ramp("100", R"([{"duration": "1s", "target": 100}, {"duration": "0s", "target": 0},
                              {"duration": "2s", "target": 0}, {"duration": "0s", "target": 100},
                              {"duration": "1s", "target": 100}])");
  CHECK(pause.total() == 200);
  CHECK(pause.due(99) == 990ms);
  CHECK(pause.due(100) == 3s);
  CHECK(pause.due(199) == 3990ms);

  // Down to 0 at a stage end, silent, then up again: iteration 50 waits for the rate to rise.
  auto valley = ramp("100", R"([{"duration": "1s", "target": 0}, {"duration": "1s", "target": 0},
                               {"duration": "1s", "target": 100}])");
  CHECK(valley.total() == 100);
  CHECK(valley.due(49) < 1s);
  CHECK(valley.due(50) == 2s);
  CHECK(error_us(valley, 51, 2 + std::sqrt(2.0L / 100)) <= 1);

  auto silent_start = ramp("0", R"([{"duration": "5s", "target": 0}, {"duration": "1s", "target": 0}])");
  CHECK(silent_start.total() == 0);
  CHECK(silent_start.due(0) == std::nullopt);
}

TEST_CASE("schedule: due times stay exact for a hundred million iterations", "[schedule]") {
  ArrivalSchedule flat(parse(R"({"executor": "constant-arrival-rate", "rate": 10000, "duration": "3h",
                                 "preAllocatedVUs": 1})"));
  CHECK(flat.total() == 108000000);
  CHECK(flat.due(99999999) == 9999999900us);
  CHECK(flat.due(107999999) == 10799999900us);

  auto up = ramp("0", R"([{"duration": "3h", "target": 20000}])");  // n = t²·20000/2/10800
  CHECK(up.total() == 108000000);
  for (uint64_t n : {1ull, 12345678ull, 99999999ull, 107999999ull})
    CHECK(error_us(up, n, std::sqrt(n * 2 * 10800.0L / 20000)) <= 1);
}

TEST_CASE("schedule: VUs wanted over time", "[schedule]") {
  auto constant = parse(R"({"executor": "constant-vus", "vus": 10, "duration": "30s"})");
  CHECK(vus_at(constant, 0s) == 10);
  CHECK(vus_at(constant, seconds(29.999999)) == 10);
  CHECK(vus_at(constant, 30s) == 0);

  auto ramping = parse(R"({"executor": "ramping-vus", "startVUs": 0, "stages": [
      {"duration": "10s", "target": 10}, {"duration": "5s", "target": 10}, {"duration": "0s", "target": 20},
      {"duration": "10s", "target": 0}]})");
  struct Point {
    double at;
    int vus;
  };
  for (auto [at, vus] : {Point{0, 0},
                         {0.999999, 0},
                         {1, 1},
                         {5, 5},
                         {9.999999, 9},
                         {10, 10},
                         {14.999999, 10},
                         {15, 20},
                         {15.25, 20},  // a falling ramp: VU 20 stops when it goes below 19
                         {15.5, 19},
                         {16, 18},
                         {20, 10},
                         {24.999999, 1},
                         {25, 0},
                         {60, 0}}) {
    INFO("at " << at << "s");
    CHECK(vus_at(ramping, seconds(at)) == vus);
  }

  // a look at 14.99 s and the next at 15.5 s must not miss the 20 VUs wanted at 15 s
  CHECK(reprise::replay::vus_peak_between(ramping, seconds(14.99), seconds(15.5)) == 20);
  CHECK(reprise::replay::vus_peak_between(ramping, seconds(15.2), seconds(15.5)) == 19);
  CHECK(reprise::replay::vus_peak_between(ramping, seconds(4), seconds(5)) == 5);

  auto per_vu = parse(R"({"executor": "per-vu-iterations", "vus": 5, "iterations": 10})");
  CHECK(vus_at(per_vu, 3s) == 5);
}
