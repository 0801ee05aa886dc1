#include "replay/ReplayStats.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "ShardStats.hpp"

using reprise::metrics::Histogram;
using reprise::replay::ReplayStats;
using reprise::test::check_same;
using reprise::test::stats;
using reprise::test::tagged;
using Json = nlohmann::json;

TEST_CASE("count_at counts in the second the time falls in", "[replay][stats]") {
  ReplayStats s;
  std::vector<uint64_t> series;
  s.count_at(series, 0);
  s.count_at(series, 999'999);
  s.count_at(series, -5);  // before the start: the first second
  CHECK(series == std::vector<uint64_t>{3});
  s.count_at(series, 3'500'000);
  CHECK(series == std::vector<uint64_t>{3, 0, 0, 1});
  s.count_at(series, 1'000'000);
  CHECK(series == std::vector<uint64_t>{3, 1, 0, 1});
}

TEST_CASE("merge adds counters, statuses, per-second series and histograms", "[replay][stats]") {
  ReplayStats a = stats(1, 2);
  ReplayStats b = stats(2, 4);
  ReplayStats merged = a;
  merged.merge(b);
  CHECK(merged.iterations == 30);
  CHECK(merged.dropped_iterations == 3);
  CHECK(merged.http_reqs == 300);
  CHECK(merged.http_req_failed == 9);
  CHECK(merged.transport_errors == 5);
  CHECK(merged.data_sent == 3000);
  CHECK(merged.data_received == 15000);
  CHECK(merged.sse_connections == 3);
  CHECK(merged.sse_events == 21);
  CHECK(merged.vus_max == 12);
  CHECK(merged.status[200] == 270);
  CHECK(merged.status[503] == 6);
  CHECK(merged.status[0] == 5);
  CHECK(merged.status[404] == 0);
  // The shorter series is added to the start of the longer one.
  CHECK(merged.iterations_per_second == std::vector<uint64_t>{1 + 2, 2 + 3, 4, 5});
  CHECK(merged.reqs_per_second == std::vector<uint64_t>{10 + 20, 11 + 21, 22, 23});
  CHECK(merged.http_req_duration.count() == 600);
  CHECK(merged.http_req_duration.min() == 137);
  CHECK(merged.http_req_duration.max() == 400 * 137 * 2);
  CHECK(merged.http_req_duration.sum() == a.http_req_duration.sum() + b.http_req_duration.sum());
  CHECK(merged.sse_time_to_first_event.count() == 2);

  // Merging into an empty one, or in the other order, gives the same.
  ReplayStats other_way = b;
  other_way.merge(a);
  check_same(other_way, merged);
  ReplayStats from_empty;
  from_empty.merge(merged);
  check_same(from_empty, merged);
}

TEST_CASE("tagged figures are kept by route and status, and merge by name, method and status",
          "[replay][stats]") {
  ReplayStats one = stats(1, 1), two = stats(2, 1);
  two.set_routes({{"/rooms/{id}", "GET"}, {"Login", "POST"}, {"Other", "DELETE"}});  // other order
  two.tagged(0, 503).http_reqs = 3;
  two.tagged(1, 200).http_reqs = 2;
  CHECK(&two.tagged(0, 503) == &two.tagged(0, 503));  // found again, not added twice
  one.merge(two);
  auto t = tagged(one);
  CHECK(t.size() == 3);
  CHECK(t[{"Login", "POST", 200}][0] == 5 + 2);
  CHECK(t[{"/rooms/{id}", "GET", 200}][0] == 7);
  CHECK(t[{"/rooms/{id}", "GET", 503}][0] == 3);
  reprise::metrics::TagFigures sum = one.matching({{"method", "GET"}});
  CHECK(sum.http_reqs == 10);
  CHECK(sum.http_req_duration.count() == 1);
}

TEST_CASE("a timeline point holds what happened in its interval; shards' timelines add up point by point",
          "[replay][stats]") {
  ReplayStats before = stats(1, 1), now = stats(1, 1);
  now.http_reqs += 40;
  now.iterations += 4;
  now.vus = 6;
  now.tagged(0, 200).http_reqs += 40;
  for (int i = 0; i < 40; ++i) now.tagged(0, 200).http_req_duration.record(70'000);
  Json p = ReplayStats::timeline_point(before, now, 2.0004);
  CHECK(p["t"] == 2.0);
  CHECK(p["http_reqs"] == 40);
  CHECK(p["iterations"] == 4);
  CHECK(p["vus"] == 6);
  CHECK(p["tags"].size() == 1);  // "/rooms/{id}" had nothing new
  CHECK(p["tags"]["Login"]["http_reqs"] == 40);
  auto h = Histogram::from_json(p["tags"]["Login"]["http_req_duration"], "t", "f");
  CHECK(h.count() == 40);
  CHECK(h.min() >= 69'000);  // the interval's own, not the earlier 2 ms one

  Json merged = Json::array();
  ReplayStats::add_timeline(merged, Json::array({p}), "s1.json");
  ReplayStats::add_timeline(merged, Json::array({p, p}), "s2.json");
  REQUIRE(merged.size() == 2);
  CHECK(merged[0]["http_reqs"] == 80);
  CHECK(merged[0]["vus"] == 12);
  CHECK(merged[0]["tags"]["Login"]["http_req_duration"]["count"] == 80);
  CHECK(merged[1]["http_reqs"] == 40);

  Json bad = Json::array({p});
  bad[0]["http_reqs"] = -1;
  CHECK_THROWS_WITH(ReplayStats::add_timeline(merged, bad, "s3.json"),
                    "s3.json:field timeline[0]: http_reqs must be a count");
}
