#include "replay/SummaryMerge.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "InputError.hpp"
#include "ShardStats.hpp"
#include "replay/RunInfo.hpp"
#include "replay/RunSummary.hpp"

using reprise::InputError;
using reprise::replay::ReplayStats;
using reprise::replay::RunInfo;
using reprise::replay::RunResult;
using reprise::test::check_same;
using reprise::test::stats;
using Json = nlohmann::json;

namespace {

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

TEST_CASE("a summary read back gives the figures that were written", "[replay][merge]") {
  RunResult result{stats(3, 5), 12.5, 900, {}, {}, nlohmann::json::array()};
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
  RunResult unplanned{stats(1, 1), 1.0, -1, {}, {}, nlohmann::json::array()};
  Json u = summary_of(info_of(1, 1), unplanned);
  CHECK(u["planned_iterations"].is_null());
  RunInfo info2;
  RunResult back2;
  reprise::replay::add_summary(u, "u.json", info2, back2);
  CHECK(back2.planned_iterations == -1);
}

TEST_CASE("adding two shard summaries gives what merging their figures gives", "[replay][merge]") {
  RunResult one{stats(1, 3), 10.0, 500, {}, {}, nlohmann::json::array()};
  RunResult two{stats(2, 6), 11.5, 500, {}, {}, nlohmann::json::array()};
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
  RunResult as_one{merged, 11.5, 1000, {}, {}, nlohmann::json::array()};
  auto a = summary_of(info, total);
  auto b = summary_of(info, as_one);
  CHECK(a == b);
}

TEST_CASE("a status that is not a code is an error, not a count of some other status", "[replay][merge]") {
  const Json good =
      summary_of(info_of(1, 1), RunResult{stats(1, 2), 1.0, 10, {}, {}, nlohmann::json::array()});
  for (const char* key : {"oops", "2xx", "-1x"}) {
    INFO(key);
    Json j = good;
    j["status"][key] = 5u;
    CHECK_THAT(summary_error(j), Catch::Contains("field status"));
  }
}

TEST_CASE("a bad summary is an InputError naming the file and the field", "[replay][merge]") {
  const Json good =
      summary_of(info_of(1, 1), RunResult{stats(1, 2), 1.0, 10, {}, {}, nlohmann::json::array()});
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
