#include "replay/Profile.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "InputError.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::metrics::parse_condition;
using reprise::replay::Executor;
using reprise::replay::Profile;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

Profile parse(const std::string& text) { return Profile::parse(Json::parse(text), "p.json"); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("profile: each executor with k6's option names") {
  auto cv = parse(R"({"executor": "constant-vus", "vus": 10, "duration": "30s"})");
  CHECK(cv.executor == Executor::constant_vus);
  CHECK((cv.vus == 10 && cv.duration == 30s));
  CHECK(cv.total_duration() == 30s);

  auto car = parse(R"({"executor": "constant-arrival-rate", "rate": 5000, "timeUnit": "1s", "duration": "20s",
                       "preAllocatedVUs": 100, "maxVUs": 400})");
  CHECK(car.executor == Executor::constant_arrival_rate);
  CHECK((car.rate == 5000 && car.time_unit == 1s && car.pre_allocated_vus == 100 && car.max_vus == 400));

  auto rar = parse(R"({"executor": "ramping-arrival-rate", "startRate": 10, "preAllocatedVUs": 5,
                       "stages": [{"duration": "10s", "target": 100}, {"duration": "1m30s", "target": 0}]})");
  REQUIRE(rar.stages.size() == 2);
  CHECK(rar.stages[1].duration == 90s);
  CHECK(rar.max_vus == 5);  // k6: maxVUs defaults to preAllocatedVUs
  CHECK(rar.total_duration() == 100s);

  auto rt = parse(R"({"executor": "replay-timing", "speed": 2.5})");
  CHECK((rt.executor == Executor::replay_timing && rt.speed == 2.5));
  CHECK(parse("{}").executor == Executor::replay_timing);
}

TEST_CASE("profile: thresholds in k6's syntax, with tags") {
  auto p = parse(R"({"thresholds": {"http_req_duration{name:SendMessage}": ["p(95)<500", "p(99.9) <= 1000"],
                                    "http_req_failed": ["rate<0.01"], "iterations": ["count>100000"]}})");
  REQUIRE(p.thresholds.size() == 3);
  const auto& d = p.thresholds[0].metric == "http_req_duration" ? p.thresholds[0] : p.thresholds[1];
  CHECK(d.tags.at("name") == "SendMessage");
  REQUIRE(d.conditions.size() == 2);
  CHECK((d.conditions[0].aggregation == "p(95)" && d.conditions[0].percentile == 95 &&
         d.conditions[0].op == "<" && d.conditions[0].bound == 500));
  CHECK((d.conditions[1].percentile == 99.9 && d.conditions[1].op == "<=" && d.conditions[1].bound == 1000));
  auto c = parse_condition("count>100000", "f", "x");
  CHECK((c.aggregation == "count" && c.op == ">" && c.bound == 100000));
}

TEST_CASE("profile: --time-scale shrinks every duration") {
  auto p = parse(
      R"({"executor": "ramping-vus", "stages": [{"duration": "10m", "target": 1000}], "gracefulStop": "30s"})");
  p.scale_time(0.1);
  CHECK(p.stages[0].duration == 60s);
  CHECK(p.graceful_stop == 3s);
}

TEST_CASE("profile: --load-scale shrinks VUs, targets and rates; count minimums shrink with both scales") {
  auto p = parse(R"({"executor": "ramping-vus", "stages": [{"duration": "10m", "target": 1000},
      {"duration": "1m", "target": 0}], "sse": {"hold": "10m"},
      "thresholds": {"http_reqs{name:S}": ["count>100000"], "unexpected_status": ["count<1"],
                     "iterations": ["count>=10"], "http_req_failed": ["rate<0.01"]}})");
  p.scale_time(0.01);
  p.scale_load(0.02);
  CHECK(p.stages[0].target == 20);
  CHECK(p.stages[1].target == 0);
  CHECK(p.sse_hold == 6s);
  auto condition = [&](const std::string& key) -> const reprise::metrics::Condition& {
    for (const auto& t : p.thresholds)
      if (t.text == key) return t.conditions.at(0);
    FAIL("no threshold " << key);
    throw;
  };
  CHECK(condition("http_reqs{name:S}").text == "count>20");
  CHECK(condition("http_reqs{name:S}").bound == Approx(20));
  CHECK(condition("unexpected_status").text == "count<1");  // a maximum is not loosened, nor made impossible
  CHECK(condition("iterations").text == "count>=0.002");
  CHECK(condition("http_req_failed").text == "rate<0.01");
  auto car = parse(R"({"executor": "constant-arrival-rate", "rate": 500, "duration": "1m",
                       "preAllocatedVUs": 50, "maxVUs": 300})");
  car.scale_load(0.01);
  CHECK((car.rate == 5 && car.pre_allocated_vus == 1 && car.max_vus == 3));
  auto timing = parse(R"({"executor": "replay-timing", "thresholds": {"http_reqs": ["count>10"]}})");
  timing.scale_time(0.1);
  timing.scale_load(0.1);
  CHECK(timing.thresholds[0].conditions[0].text == "count>10");  // replay-timing sends the capture once
}

TEST_CASE("profile: capture is relative to the profile's folder; expected_statuses and sse are checked") {
  auto p = Profile::parse(
      Json::parse(R"({"capture": "../captures/x.jsonl", "expected_statuses": "200-399, 404"})"),
      "profiles/p.json");
  CHECK(p.capture == "profiles/../captures/x.jsonl");
  CHECK(p.expected_statuses == reprise::replay::ExpectedStatuses{{200, 399}, {404, 404}});
  CHECK(Profile::parse(Json::parse(R"({"capture": "/abs/x.jsonl"})"), "profiles/p.json").capture ==
        "/abs/x.jsonl");
  CHECK(Profile::parse(Json::parse(R"({"capture": "x.jsonl"})"), "p.json").capture == "x.jsonl");
  using reprise::replay::failed_status;
  CHECK_FALSE(failed_status({}, 400, 400));  // the recording's own 400
  CHECK(failed_status({}, 400, 201));
  CHECK_FALSE(failed_status({}, 201, 400));
  CHECK(failed_status({}, 0, 0));  // no answer always fails
  CHECK(failed_status({{200, 399}}, 400, 400));
}

TEST_CASE("profile: every mistake is one line naming the file and the field") {
  struct Case {
    const char* text;
    const char* field;
  };
  const Case cases[] = {
      {R"({"executor": "ramping"})", "field executor"},
      {R"({"expected_statuses": "200-39"})", "field expected_statuses"},
      {R"({"expected_statuses": "40x"})", "field expected_statuses"},
      {R"({"expected_statuses": 200})", "field expected_statuses"},
      {R"({"sse": {"hold": "10m", "hld": "1s"}})", "field sse.hld"},
      {R"({"sse": {"hold": "forever"}})", "field sse.hold"},
      {R"({"capture": ""})", "field capture"},
      {R"({"identities": {"auto": "yes"}})", "field identities.auto"},
      {R"({"executor": "constant-vus", "duration": "30s"})", "field vus"},
      {R"({"executor": "constant-vus", "vus": 10})", "field duration"},
      {R"({"executor": "constant-vus", "vus": 0, "duration": "1s"})", "field vus"},
      {R"({"executor": "constant-vus", "vus": 1.5, "duration": "1s"})", "field vus"},
      {R"({"executor": "constant-vus", "vus": 1, "duration": "soon"})", "field duration"},
      {R"({"executor": "constant-vus", "vus": 1, "duration": 30})", "field duration"},
      {R"({"executor": "constant-arrival-rate", "rate": 10, "duration": "1s"})", "field preAllocatedVUs"},
      {R"({"executor": "constant-arrival-rate", "rate": 10, "duration": "1s", "preAllocatedVUs": 5, "maxVUs": 2})",
       "field maxVUs"},
      {R"({"executor": "ramping-vus"})", "field stages"},
      {R"({"executor": "ramping-vus", "stages": []})", "field stages"},
      {R"({"executor": "ramping-vus", "stages": [{"duration": "1m"}]})", "field stages[0]"},
      {R"({"executor": "ramping-vus", "stages": [{"duration": "1m", "target": -1}]})",
       "field stages[0].target"},
      {R"({"executor": "ramping-vus", "stages": [{"duration": "1x", "target": 1}]})",
       "field stages[0].duration"},
      {R"({"vu": 10})", "field vu"},
      {R"({"speed": 0})", "field speed"},
      {R"({"timeUnit": "0s"})", "field timeUnit"},
      {R"({"thresholds": {"http_req_duration": ["p95<500"]}})", "field thresholds.http_req_duration"},
      {R"({"thresholds": {"http_req_duration": ["p(95)<"]}})", "field thresholds.http_req_duration"},
      {R"({"thresholds": {"http_req_duration": ["p(150)<5"]}})", "field thresholds.http_req_duration"},
      {R"({"thresholds": {"http_req_duration": "p(95)<500"}})", "field thresholds.http_req_duration"},
      {R"({"thresholds": {"http_req_duration{name}": ["p(95)<500"]}})",
       "field thresholds.http_req_duration{name}"},
      {R"({"routes": {"Send": "/api/chat"}})", "field routes.Send"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string err = error_of(c.text);
    CHECK_THAT(err, Catch::Contains("p.json"));
    CHECK_THAT(err, Catch::Contains(c.field));
    CHECK(err.find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(Profile::load("/nonexistent/profile.json"), InputError);
}

TEST_CASE("profile: every shipped profile parses") {
  ::setenv("REPRISE_PASSWORD", "pw", 1);
  int seen = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(REPRISE_SOURCE_DIR) + "/profiles")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path());
    CHECK_NOTHROW(Profile::load(entry.path()));
    ++seen;
  }
  CHECK(seen == 6);  // the seed's four, smoke and auth-replay (the k8s Job's)
  auto auth = Profile::load(std::string(REPRISE_SOURCE_DIR) + "/profiles/01-user-auth.json");
  CHECK(auth.executor == Executor::ramping_vus);
  CHECK(auth.stages.back().target == 0);
  CHECK(auth.total_duration() == 28min);
}

TEST_CASE("profile: identities, correlate, per-vu-iterations and thinkTime") {
  ::setenv("REPRISE_TEST_SECRET", "s3cret", 1);
  auto p =
      Profile::parse(nlohmann::json::parse(R"({"executor": "per-vu-iterations", "vus": 3, "iterations": 2,
      "thinkTime": "0s", "identities": {"template": {"email": "u{vu}@t.com"}, "password": "${env:REPRISE_TEST_SECRET}!"},
      "correlate": {"auto": false, "extract": [{"json": "sid"}, {"header": "X-Csrf"}], "ignore": ["user_id"]}})"),
                     "p.json");
  CHECK(p.executor == Executor::per_vu_iterations);
  CHECK(p.iterations == 2);
  CHECK(p.think_time == 0us);
  REQUIRE(p.identities.size() == 2);
  CHECK(p.identities[0].field == "password");
  CHECK(p.identities[0].value_template == "s3cret!");
  CHECK(p.identities[1].value_template == "u{vu}@t.com");
  CHECK_FALSE(p.correlate.automatic);
  CHECK(p.correlate.json_fields == std::vector<std::string>{"sid"});
  CHECK(p.correlate.headers == std::vector<std::string>{"X-Csrf"});
  CHECK(p.correlate.ignore == std::vector<std::string>{"user_id"});
  CHECK_FALSE(Profile::parse(nlohmann::json::parse(R"({"thinkTime": "recorded"})"), "p.json").think_time);

  ::unsetenv("REPRISE_NOT_SET");
  for (const char* text :
       {R"({"identities": {"password": "${env:REPRISE_NOT_SET}"}})",
        R"({"identities": {"template": {"email": 3}}})", R"({"correlate": {"extract": [{"regex": "x"}]}})",
        R"({"executor": "per-vu-iterations", "vus": 2})"}) {
    INFO(text);
    CHECK_THROWS_AS(Profile::parse(nlohmann::json::parse(text), "p.json"), InputError);
  }
}

// Found by tests/fuzz/profile.cpp (corpus/profile/crash-number-overflow): a number no double
// holds aborted reprise (nlohmann's out_of_range) instead of giving one line.
TEST_CASE("profile: a number too large for a double is one line naming the file") {
  reprise::test::TempFile file("1111111100000010000095360E018568{\"%xecutAor\": \"ram`istartVecutorrate ");
  CHECK_THROWS_MATCHES(Profile::load(file.path()), InputError,
                       Catch::Matchers::Message(file.path() + ": is not JSON: number overflow parsing "
                                                              "'1111111100000010000095360E018568'"));
}
