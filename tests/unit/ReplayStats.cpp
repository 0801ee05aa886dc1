#include "replay/ReplayStats.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "InputError.hpp"
#include "replay/RunInfo.hpp"
#include "replay/RunSummary.hpp"
#include "replay/SummaryMerge.hpp"

using reprise::InputError;
using reprise::metrics::Histogram;
using reprise::replay::ReplayStats;
using reprise::replay::RunInfo;
using reprise::replay::RunResult;
using Json = nlohmann::json;

namespace {

// A shard's figures; `seed` makes two shards differ in every field.
ReplayStats stats(uint64_t seed, size_t seconds) {
  ReplayStats s;
  s.iterations = 10 * seed;
  s.dropped_iterations = seed;
  s.http_reqs = 100 * seed;
  s.http_req_failed = 3 * seed;
  s.transport_errors = seed + 1;
  s.data_sent = 1000 * seed;
  s.data_received = 5000 * seed;
  s.sse_connections = seed;
  s.sse_events = 7 * seed;
  s.vus_max = 4 * seed;
  s.status[200] = 90 * seed;
  s.status[503] = 2 * seed;
  s.status[0] = seed + 1;
  for (size_t i = 0; i < seconds; ++i) {
    s.iterations_per_second.push_back(seed + i);
    s.reqs_per_second.push_back(10 * seed + i);
  }
  for (uint64_t v = 1; v <= 200 * seed; ++v) {
    s.http_req_duration.record(v * 137 * seed);
    s.http_req_waiting.record(v * 50);
  }
  s.sse_time_to_first_event.record(1000 * seed);
  // Tagged figures: a route both shards have, and a status only the second has.
  s.set_routes({{"Login", "POST"}, {"/rooms/{id}", "GET"}});
  auto& login = s.tagged(0, 200);
  login.http_reqs = 5 * seed;
  login.http_req_duration.record(2000 * seed);
  login.http_req_waiting.record(900 * seed);
  auto& rooms = s.tagged(1, seed == 1 ? 200 : 503);
  rooms.http_reqs = 7 * seed;
  rooms.http_req_failed = seed == 1 ? 0 : 7 * seed;
  rooms.http_req_duration.record(300 * seed);
  return s;
}

// The tagged figures by name, method and status: requests, failures, durations' count and sum.
std::map<std::tuple<std::string, std::string, int>, std::array<uint64_t, 5>> tagged(const ReplayStats& s) {
  std::map<std::tuple<std::string, std::string, int>, std::array<uint64_t, 5>> out;
  for (const auto& t : s.tags) {
    const auto& key = s.routes[static_cast<size_t>(t.route)];
    out[{key.name, key.method, t.status}] = {
        t.figures.http_reqs, t.figures.http_req_failed, t.figures.http_req_duration.count(),
        t.figures.http_req_duration.sum(), t.figures.http_req_waiting.sum()};
  }
  return out;
}

// Every figure of `a` and `b` is the same; histograms by count, min, max, sum and percentiles.
void check_same(const ReplayStats& a, const ReplayStats& b) {
  CHECK(a.iterations == b.iterations);
  CHECK(a.dropped_iterations == b.dropped_iterations);
  CHECK(a.http_reqs == b.http_reqs);
  CHECK(a.http_req_failed == b.http_req_failed);
  CHECK(a.transport_errors == b.transport_errors);
  CHECK(a.data_sent == b.data_sent);
  CHECK(a.data_received == b.data_received);
  CHECK(a.sse_connections == b.sse_connections);
  CHECK(a.sse_events == b.sse_events);
  CHECK(a.vus_max == b.vus_max);
  CHECK(a.status == b.status);
  CHECK(a.iterations_per_second == b.iterations_per_second);
  CHECK(a.reqs_per_second == b.reqs_per_second);
  CHECK(tagged(a) == tagged(b));
  for (auto m : {&ReplayStats::http_req_duration, &ReplayStats::http_req_waiting,
                 &ReplayStats::sse_time_to_first_event}) {
    const Histogram& x = a.*m;
    const Histogram& y = b.*m;
    CHECK(x.count() == y.count());
    CHECK(x.min() == y.min());
    CHECK(x.max() == y.max());
    CHECK(x.sum() == y.sum());
    for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) CHECK(x.percentile(p) == y.percentile(p));
  }
}

// What a summary file holds: the JSON written, then read back as text.
Json summary_of(const RunInfo& info, const RunResult& result) {
  return Json::parse(reprise::replay::summary_json(info, result, {}).dump(2));
}

RunInfo info_of(int shard, int shards) {
  RunInfo info;
  info.capture = "chat.jsonl";
  info.target = "http://127.0.0.1:8000";
  info.profile = "smoke.json";
  info.executor = "constant-vus";
  info.shard = shard;
  info.shards = shards;
  info.sessions = 12;
  info.steps = 40;
  return info;
}

std::string summary_error(Json j) {
  RunInfo info;
  RunResult result;
  try {
    reprise::replay::add_summary(j, "shard-2.json", info, result);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

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

TEST_CASE("a summary read back gives the figures that were written", "[replay][stats]") {
  RunResult result{stats(3, 5), 12.5, 900, {}};
  Json j = summary_of(info_of(1, 1), result);
  CHECK(j["counters"]["http_reqs"] == 300);
  CHECK(j["status"]["200"] == 270);
  CHECK(j["status"]["none"] == 4);
  CHECK(j["per_second"]["http_reqs"].size() == 5);

  RunInfo info;
  RunResult back;
  reprise::replay::add_summary(j, "s.json", info, back);
  check_same(back.stats, result.stats);
  CHECK(back.elapsed_s == 12.5);
  CHECK(back.planned_iterations == 900);
  CHECK(info.capture == "chat.jsonl");
  CHECK(info.target == "http://127.0.0.1:8000");
  CHECK(info.profile == "smoke.json");
  CHECK(info.executor == "constant-vus");
  CHECK(info.sessions == 12);
  CHECK(info.shards == 1);

  // A run that plans no count of iterations says so, and reads back as such.
  RunResult unplanned{stats(1, 1), 1.0, -1, {}};
  Json u = summary_of(info_of(1, 1), unplanned);
  CHECK(u["planned_iterations"].is_null());
  RunInfo info2;
  RunResult back2;
  reprise::replay::add_summary(u, "u.json", info2, back2);
  CHECK(back2.planned_iterations == -1);
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

TEST_CASE("adding two shard summaries gives what merging their figures gives", "[replay][stats]") {
  RunResult one{stats(1, 3), 10.0, 500, {}};
  RunResult two{stats(2, 6), 11.5, 500, {}};
  Json s1 = summary_of(info_of(1, 2), one);
  Json s2 = summary_of(info_of(2, 2), two);

  RunInfo info;
  RunResult total;
  reprise::replay::add_summary(s1, "shard-1.json", info, total);
  reprise::replay::add_summary(s2, "shard-2.json", info, total);

  ReplayStats merged = one.stats;
  merged.merge(two.stats);
  check_same(total.stats, merged);
  CHECK(total.elapsed_s == 11.5);  // the shards ran side by side
  CHECK(total.planned_iterations == 1000);
  CHECK(info.shards == 2);
  CHECK(info.executor == "constant-vus");

  // The merged figures written again are the same summary one run of both would write.
  RunResult as_one{merged, 11.5, 1000, {}};
  auto a = summary_of(info, total);
  auto b = summary_of(info, as_one);
  CHECK(a == b);
}

TEST_CASE("a status that is not a code is an error, not a count of some other status", "[replay][stats]") {
  const Json good = summary_of(info_of(1, 1), RunResult{stats(1, 2), 1.0, 10, {}});
  for (const char* key : {"oops", "2xx", "-1x"}) {
    INFO(key);
    Json j = good;
    j["status"][key] = 5u;
    CHECK_THAT(summary_error(j), Catch::Contains("field status"));
  }
}

TEST_CASE("a bad summary is an InputError naming the file and the field", "[replay][stats]") {
  const Json good = summary_of(info_of(1, 1), RunResult{stats(1, 2), 1.0, 10, {}});
  REQUIRE(summary_error(good).empty());

  struct Case {
    const char* what;
    Json summary;
    const char* field;
  };
  auto with = [&](const Json::json_pointer& at, Json value) {
    Json j = good;
    j[at] = std::move(value);
    return j;
  };
  auto without = [&](const char* key) {
    Json j = good;
    j.erase(key);
    return j;
  };
  auto without_counter = [&](const char* key) {
    Json j = good;
    j["counters"].erase(key);
    return j;
  };
  const Case cases[] = {
      {"no counters", without("counters"), "field counters"},
      {"counters not an object", with("/counters"_json_pointer, Json::array()), "field counters"},
      {"a missing counter", without_counter("http_reqs"), "field http_reqs"},
      {"a negative count", with("/counters/iterations"_json_pointer, -3), "field iterations"},
      {"a fractional count", with("/counters/data_sent"_json_pointer, 1.5), "field data_sent"},
      {"a count as text", with("/counters/http_req_failed"_json_pointer, "7"), "field http_req_failed"},
      {"no vus_max", without("vus_max"), "field vus_max"},
      {"a negative status count", with("/status/200"_json_pointer, -1), "field status"},
      {"a status code out of range", with("/status/999"_json_pointer, 1u), "field status"},
      {"a per-second series not an array", with("/per_second/http_reqs"_json_pointer, 3), "field http_reqs"},
      {"a negative per-second value", with("/per_second/iterations"_json_pointer, Json::array({1, -1})),
       "field iterations"},
      {"no histograms", without("histograms"), "field histograms"},
      {"a histogram missing",
       [&] {
         Json j = good;
         j["histograms"].erase("http_req_waiting");
         return j;
       }(),
       "field http_req_waiting"},
      {"a histogram not an object", with("/histograms/http_req_duration"_json_pointer, "fast"),
       "field histograms.http_req_duration"},
      {"a histogram whose buckets do not add up", with("/histograms/http_req_duration/count"_json_pointer, 1),
       "field histograms.http_req_duration"},
      {"a histogram bucket out of range",
       with("/histograms/http_req_waiting/buckets"_json_pointer, Json::parse("[[99999999, 1]]")),
       "field histograms.http_req_waiting"},
      {"no elapsed_s", without("elapsed_s"), "field elapsed_s"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    std::string err = summary_error(c.summary);
    CHECK_THAT(err, Catch::StartsWith("shard-2.json:"));
    CHECK_THAT(err, Catch::Contains(c.field));
    CHECK(err.find('\n') == std::string::npos);
  }
  CHECK_THAT(summary_error(Json::array()), Catch::Contains("shard-2.json: is not a reprise summary"));
  CHECK_THAT(summary_error(without("reprise_summary")), Catch::Contains("is not a reprise summary"));
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
