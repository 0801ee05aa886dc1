#include "metrics/Histogram.hpp"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "InputError.hpp"

using reprise::InputError;
using reprise::metrics::Histogram;

namespace {

constexpr uint64_t kHour = 3'600'000'000;  // in µs
const double kPercentiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};

// The answer from the sorted data, by the same rank rule: the ceil(p/100 * n)-th smallest value.
uint64_t exact_percentile(std::vector<uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()) / 100.0));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

Histogram fed(const std::vector<uint64_t>& values) {
  Histogram h;
  for (uint64_t v : values) h.record(v);
  return h;
}

void check_percentiles_within_1_percent(const std::vector<uint64_t>& values) {
  const Histogram h = fed(values);
  for (double p : kPercentiles) {
    const auto exact = static_cast<double>(exact_percentile(values, p));
    INFO("p" << p << ": exact " << exact << ", histogram " << h.percentile(p));
    CHECK(std::abs(static_cast<double>(h.percentile(p)) - exact) <= 0.01 * exact);
  }
}

void check_rejected(const nlohmann::json& j, const std::string& mentions) {
  INFO("json: " << j.dump());
  try {
    Histogram::from_json(j, "run.json", "latency");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.file() == "run.json");
    CHECK(e.place() == "field latency");
    CHECK_THAT(e.what(), Catch::Contains("latency") && Catch::Contains(mentions));
  }
}

nlohmann::json valid_json() {
  Histogram h;
  for (uint64_t v : {5, 300, 70000}) h.record(v);
  return h.to_json();
}

}  // namespace

TEST_CASE("percentiles of a uniform 1..100000 are within 1 % of the sorted data", "[histogram]") {
  std::vector<uint64_t> values;
  for (uint64_t v = 1; v <= 100000; ++v) values.push_back(v);
  std::shuffle(values.begin(), values.end(), std::mt19937_64(42));
  check_percentiles_within_1_percent(values);
}

TEST_CASE("a fixed value is every percentile, exactly", "[histogram]") {
  const Histogram h = fed(std::vector<uint64_t>(1000, 123457));
  for (double p : kPercentiles) CHECK(h.percentile(p) == 123457);
  CHECK(h.mean() == 123457.0);
}

TEST_CASE("two clusters: fast requests and slow ones are told apart", "[histogram]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> fast(190, 210);
  std::uniform_int_distribution<uint64_t> slow(1'900'000, 2'100'000);
  std::vector<uint64_t> values;
  for (int i = 0; i < 9000; ++i) values.push_back(fast(rng));
  for (int i = 0; i < 1000; ++i) values.push_back(slow(rng));
  std::shuffle(values.begin(), values.end(), rng);
  check_percentiles_within_1_percent(values);

  const Histogram h = fed(values);
  CHECK(h.percentile(90) <= 210);
  CHECK(h.percentile(90.01) >= 1'900'000 * 0.99);  // a bucket's midpoint may sit below the cluster
}

TEST_CASE("every value from 1 µs to 1 h is reported within half a bucket (0.4 %)", "[histogram]") {
  // 0 and UINT64_MAX around v make the median v's own bucket without clamping it to v. A bucket
  // spans at most 1/128 of its values, so its midpoint is within 1/256 of any of them.
  Histogram h;
  for (double x = 1; x <= static_cast<double>(kHour); x *= 1.003) {
    for (uint64_t v : {static_cast<uint64_t>(x), std::bit_floor(static_cast<uint64_t>(x)) - 1}) {
      if (v == 0) continue;
      h.reset();
      h.record(0);
      h.record(v);
      h.record(UINT64_MAX);
      INFO("value " << v << " reported as " << h.percentile(50));
      REQUIRE(std::abs(static_cast<double>(h.percentile(50)) - static_cast<double>(v)) <= 0.004 * v);
    }
  }
}

TEST_CASE("small values are exact", "[histogram]") {
  std::vector<uint64_t> values;
  for (uint64_t v = 0; v < 256; ++v) values.push_back(v);
  const Histogram h = fed(values);
  for (double p = 0; p <= 100; p += 0.5) CHECK(h.percentile(p) == exact_percentile(values, p));
}

TEST_CASE("0 and 1", "[histogram]") {
  Histogram h;
  h.record(0);
  h.record(1);
  CHECK(h.count() == 2);
  CHECK(h.min() == 0);
  CHECK(h.max() == 1);
  CHECK(h.sum() == 1);
  CHECK(h.mean() == 0.5);
  CHECK(h.percentile(0) == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.percentile(50.1) == 1);
  CHECK(h.percentile(100) == 1);

  Histogram zeros = fed({0, 0, 0});
  CHECK(zeros.count() == 3);
  CHECK(zeros.max() == 0);
  CHECK(zeros.percentile(99) == 0);
}

TEST_CASE("min, max, sum and mean are exact", "[histogram]") {
  std::vector<uint64_t> values;
  for (uint64_t v = 1; v <= 100000; ++v) values.push_back(v);
  values.push_back(123'456'789);
  const Histogram h = fed(values);
  CHECK(h.count() == 100001);
  CHECK(h.min() == 1);
  CHECK(h.max() == 123'456'789);
  CHECK(h.sum() == 5'000'050'000 + 123'456'789);
  CHECK(h.mean() == Approx(static_cast<double>(5'000'050'000 + 123'456'789) / 100001).epsilon(1e-12));
}

TEST_CASE("values beyond 1 h land in the top bucket with min, max and sum exact", "[histogram]") {
  Histogram h;
  h.record(kHour);
  h.record(10 * kHour);
  CHECK(h.count() == 2);
  CHECK(h.min() == kHour);
  CHECK(h.max() == 10 * kHour);
  CHECK(h.sum() == 11 * kHour);
  CHECK(std::abs(static_cast<double>(h.percentile(50)) - static_cast<double>(kHour)) <= 0.01 * kHour);
  CHECK(h.percentile(100) > kHour);
  CHECK(h.percentile(100) <= 10 * kHour);

  Histogram huge = fed({UINT64_MAX});
  CHECK(huge.max() == UINT64_MAX);
  CHECK(huge.percentile(50) == UINT64_MAX);
  CHECK(Histogram::from_json(huge.to_json(), "", "x").max() == UINT64_MAX);
}

TEST_CASE("an empty histogram reports zeros and serialises small", "[histogram]") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.sum() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.to_json().dump() == R"({"buckets":[],"count":0,"max":0,"min":0,"sum":0})");

  const Histogram back = Histogram::from_json(h.to_json(), "run.json", "latency");
  CHECK(back.count() == 0);
  CHECK(back.min() == 0);
  CHECK(back.percentile(99) == 0);
  CHECK(back.to_json() == h.to_json());
}

TEST_CASE("reset empties a histogram", "[histogram]") {
  Histogram h = fed({3, 4000, 5'000'000});
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.to_json() == Histogram().to_json());
  h.record(77);
  CHECK(h.min() == 77);
  CHECK(h.percentile(1) == 77);
}

TEST_CASE("merging two histograms equals one histogram fed both streams", "[histogram]") {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(8.0, 1.5);
  std::vector<uint64_t> a, b;
  for (int i = 0; i < 20000; ++i) a.push_back(static_cast<uint64_t>(latency(rng)));
  for (int i = 0; i < 5000; ++i) b.push_back(static_cast<uint64_t>(latency(rng)) + 1000);

  Histogram merged = fed(a);
  merged.merge(fed(b));
  std::vector<uint64_t> both = a;
  both.insert(both.end(), b.begin(), b.end());
  const Histogram whole = fed(both);

  CHECK(merged.count() == whole.count());
  CHECK(merged.min() == whole.min());
  CHECK(merged.max() == whole.max());
  CHECK(merged.sum() == whole.sum());
  for (double p : kPercentiles) CHECK(merged.percentile(p) == whole.percentile(p));
  CHECK(merged.to_json() == whole.to_json());
}

TEST_CASE("merging with an empty histogram changes nothing", "[histogram]") {
  const Histogram h = fed({10, 20, 30});
  Histogram into_empty;
  into_empty.merge(h);
  CHECK(into_empty.to_json() == h.to_json());

  Histogram with_empty = h;
  with_empty.merge(Histogram());
  CHECK(with_empty.min() == 10);
  CHECK(with_empty.to_json() == h.to_json());
}

TEST_CASE("JSON round trip, through text as between processes", "[histogram]") {
  std::vector<uint64_t> values;
  for (uint64_t v = 0; v < 5000; ++v) values.push_back(v * v);
  const Histogram h = fed(values);
  const nlohmann::json j = h.to_json();
  CHECK(j["count"] == 5000);
  CHECK(j["min"] == 0);
  CHECK(j["max"] == 4999ull * 4999);
  CHECK(j["buckets"].size() < 5000);  // sparse: far fewer pairs than values

  const Histogram back = Histogram::from_json(nlohmann::json::parse(j.dump()), "run.json", "latency");
  CHECK(back.to_json() == j);
  CHECK(back.mean() == h.mean());
  for (double p : kPercentiles) CHECK(back.percentile(p) == h.percentile(p));
}

TEST_CASE("from_json rejects malformed histograms naming the field", "[histogram]") {
  check_rejected(nlohmann::json::array(), "histogram object");
  for (const char* key : {"count", "min", "max", "sum", "buckets"}) {
    nlohmann::json j = valid_json();
    j.erase(key);
    check_rejected(j, std::string("missing key \"") + key + "\"");
  }
  nlohmann::json j = valid_json();
  j["min"] = -1;
  check_rejected(j, "\"min\" must be a non-negative integer");
  j = valid_json();
  j["sum"] = "12";
  check_rejected(j, "\"sum\" must be a non-negative integer");
  j = valid_json();
  j["count"] = 4;
  check_rejected(j, "add up to 3");
  j = valid_json();
  j["buckets"].push_back({1'000'000, 1});
  j["count"] = 4;
  check_rejected(j, "index 1000000 is out of range");
  j = valid_json();
  j["buckets"][0] = {5, -1};
  check_rejected(j, "not a pair of non-negative integers");
  j = valid_json();
  j["buckets"] = nlohmann::json::array({nlohmann::json::array({"5", 1})});
  check_rejected(j, "not a pair of non-negative integers");
  j = valid_json();
  j["buckets"] = 3;
  check_rejected(j, "\"buckets\" must be an array");
  j = valid_json();
  j["min"] = 100000;
  check_rejected(j, "\"min\" is greater than \"max\"");
}

TEST_CASE("histogram: count_at_most counts whole buckets at or below a value (Prometheus le)",
          "[histogram]") {
  reprise::metrics::Histogram h;
  for (uint64_t v : {5u, 100u, 1000u, 10000u, 10000u, 250000u}) h.record(v);
  CHECK(h.count_at_most(4) == 0);
  CHECK(h.count_at_most(5) == 1);
  CHECK(h.count_at_most(999) == 2);
  CHECK(h.count_at_most(10000) >= 3);  // 10000's bucket may reach past it
  CHECK(h.count_at_most(10100) == 5);
  CHECK(h.count_at_most(1'000'000) == 6);
  uint64_t previous = 0;
  for (uint64_t v = 1; v < 300000; v = v * 3 / 2 + 1) {
    CHECK(h.count_at_most(v) >= previous);  // cumulative
    previous = h.count_at_most(v);
  }
  CHECK(reprise::metrics::Histogram().count_at_most(100) == 0);
}

TEST_CASE("since: what was recorded after an older copy, and only that", "[histogram]") {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v);  // the older part: fast
  Histogram earlier = h;
  for (int i = 0; i < 500; ++i) h.record(50'000);  // the newer part: slow
  Histogram newer = h.since(earlier);
  CHECK(newer.count() == 500);
  CHECK(newer.sum() == 500u * 50'000u);
  CHECK(std::abs(static_cast<double>(newer.percentile(1)) - 50'000) <= 50'000 * 0.004);
  CHECK(std::abs(static_cast<double>(newer.min()) - 50'000) <= 50'000 * 0.004);
  CHECK(std::abs(static_cast<double>(newer.max()) - 50'000) <= 50'000 * 0.004);
  CHECK(h.since(h).count() == 0);
  CHECK(h.since(Histogram()).count() == h.count());
}
