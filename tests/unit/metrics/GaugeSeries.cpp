#include "metrics/GaugeSeries.hpp"

#include <catch2/catch.hpp>

#include "InputError.hpp"

using reprise::InputError;
using reprise::metrics::GaugeSeries;

TEST_CASE("gauge series: min, max, avg and last over the run and over a stretch", "[metrics][gauge]") {
  GaugeSeries g;
  CHECK_FALSE(g.stats());
  g.add(0, 10);
  g.add(1, 40);
  g.add(2, 30);
  g.add(3, 0);
  auto all = g.stats();
  REQUIRE(all);
  CHECK(all->min == 0);
  CHECK(all->max == 40);
  CHECK(all->avg == Approx(20));
  CHECK(all->last == 0);
  CHECK(all->count == 4);
  auto middle = g.stats(1, 2);  // both ends included
  REQUIRE(middle);
  CHECK(middle->count == 2);
  CHECK(middle->last == 30);
  CHECK(middle->max == 40);
  CHECK_FALSE(g.stats(3.5, 9));
  g.drop_before(2);  // a rolling window forgets what it no longer judges
  CHECK(g.samples().size() == 2);
  CHECK(g.stats()->max == 30);
}

TEST_CASE("gauge series: shards' samples merge in time order and round-trip through JSON",
          "[metrics][gauge]") {
  GaugeSeries a, b;
  a.add(0, 1);
  a.add(2, 3);
  b.add(1, 2);
  b.add(3, 4);
  a.merge(b);
  REQUIRE(a.samples().size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(a.samples()[i].value == static_cast<double>(i + 1));
  auto back = GaugeSeries::from_json(a.to_json(), "s.json", "sources.lag.samples");
  CHECK(back.stats()->last == 4);
  CHECK(back.samples().size() == 4);
}

TEST_CASE("gauge series: a malformed list names the field", "[metrics][gauge]") {
  using nlohmann::json;
  CHECK_THROWS_WITH(GaugeSeries::from_json(json::parse(R"([[0, 1], [2]])"), "s.json", "sources.lag.samples"),
                    Catch::Contains("s.json:field sources.lag.samples[1]"));
  CHECK_THROWS_AS(GaugeSeries::from_json(json::parse(R"([[2, 1], [1, 1]])"), "s.json", "x"), InputError);
  CHECK_THROWS_AS(GaugeSeries::from_json(json::parse(R"({"a": 1})"), "s.json", "x"), InputError);
}
