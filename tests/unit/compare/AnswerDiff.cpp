// One live answer compared with the recorded one: what is a difference, under which field, with
// which examples, and what noise (written, volatile, learned, mapped) keeps out.
#include "compare/AnswerDiff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "compare/Answers.hpp"

using nlohmann::json;
using reprise::compare::Answer;
using reprise::compare::compare_answers;
using reprise::compare::CompareContext;
using reprise::compare::Difference;
using reprise::compare::IgnoreRules;
using reprise::compare::kind_name;
using reprise::compare::KindNoise;
using reprise::compare::kMaxDifferences;
using reprise::compare::test::json_answer;
using reprise::compare::test::stream_answer;
using Kind = Difference::Kind;

namespace {

std::vector<Difference> diffs(const Answer& rec, const Answer& live, const CompareContext& context = {}) {
  std::vector<Difference> out;
  compare_answers(rec, live, context, out);
  return out;
}

std::vector<Difference> diffs(const json& rec, const json& live, const CompareContext& context = {}) {
  return diffs(json_answer(rec), json_answer(live), context);
}

// "kind field" for each difference, in order: what a failed check prints.
std::vector<std::string> found(const std::vector<Difference>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(std::string(kind_name(d.kind)) + " " + d.field);
  return out;
}

using Found = std::vector<std::string>;

CompareContext ignoring(const IgnoreRules& rules) {
  CompareContext c;
  c.ignore = &rules;
  return c;
}

CompareContext learned_from(const KindNoise& noise) {
  CompareContext c;
  c.learned = &noise;
  return c;
}

}  // namespace

TEST_CASE("answer diff: identical answers have no differences", "[compare][diff]") {
  const json body = {{"a", 1}, {"b", {1, 2, 3}}, {"c", {{"d", "x"}, {"e", nullptr}}}, {"f", true}};
  CHECK(diffs(body, body).empty());
  CHECK(diffs(stream_answer({"connected", "message"}), stream_answer({"connected", "message"})).empty());
}

TEST_CASE("answer diff: another status is one difference, the body not compared", "[compare][diff]") {
  auto ds = diffs(json_answer({{"a", 1}}, 200), json_answer({{"error", "down"}}, 503));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].field == "status");
  CHECK(ds[0].kind == Kind::status);
  CHECK(ds[0].recorded == "200");
  CHECK(ds[0].live == "503");
  CHECK(kind_name(Kind::status) == "status");
}

TEST_CASE("answer diff: another media type is one difference, the body not compared", "[compare][diff]") {
  Answer html = Answer::head(200, {{"Content-Type", "text/html; charset=utf-8"}});
  html.set_body("<html></html>");
  auto ds = diffs(json_answer({{"a", 1}}), html);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].field == "header Content-Type");
  CHECK(ds[0].kind == Kind::media_type);
  CHECK(ds[0].recorded == "application/json");
  CHECK(ds[0].live == "text/html");

  // The same media type in another case or with parameters is the same.
  Answer json_again = Answer::head(200, {{"Content-Type", "Application/JSON; charset=utf-8"}});
  json_again.set_body(R"({"a":1})");
  CHECK(diffs(json_answer({{"a", 1}}), json_again).empty());
}

TEST_CASE("answer diff: headers one side carries and the other not", "[compare][diff]") {
  auto ds = diffs(json_answer({{"a", 1}}, 200, {{"X-Old", "1"}, {"X-Both", "1"}, {"Date", "then"}}),
                  json_answer({{"a", 1}}, 200, {{"x-new", "1"}, {"X-Both", "2"}, {"Server", "b"}}));
  CHECK(found(ds) == Found{"header missing header x-old", "header added header x-new"});
}

TEST_CASE("answer diff: a renamed key is a missing and an added key", "[compare][diff]") {
  auto ds = diffs({{"old", 1}, {"keep", 2}}, {{"new", 1}, {"keep", 2}});
  CHECK(found(ds) == Found{"missing $.old", "added $.new"});
  CHECK(ds[0].recorded == "1");
  CHECK(ds[0].live == "absent");
  CHECK(ds[1].recorded == "absent");
  CHECK(ds[1].live == "1");
}

TEST_CASE("answer diff: a number turned string is a type difference at its path", "[compare][diff]") {
  auto ds = diffs({{"user", {{"age", 30}}}}, {{"user", {{"age", "30"}}}});
  REQUIRE(found(ds) == Found{"type $.user.age"});
  CHECK_THAT(ds[0].recorded, Catch::StartsWith("number"));
  CHECK_THAT(ds[0].live, Catch::StartsWith("string"));

  CHECK(found(diffs({{"a", {1}}}, {{"a", {{"x", 1}}}})) == Found{"type $.a"});
  CHECK(found(diffs({{"a", nullptr}}, {{"a", 0}})) == Found{"type $.a"});
}

TEST_CASE("answer diff: a changed value, with its recorded and live examples", "[compare][diff]") {
  auto ds = diffs({{"title", "hello"}, {"n", 1}}, {{"title", "goodbye"}, {"n", 1}});
  REQUIRE(found(ds) == Found{"value $.title"});
  CHECK_THAT(ds[0].recorded, Catch::Contains("hello"));
  CHECK_THAT(ds[0].live, Catch::Contains("goodbye"));

  auto n = diffs({{"count", 3}}, {{"count", 4}});
  REQUIRE(found(n) == Found{"value $.count"});
  CHECK(n[0].recorded == "3");
  CHECK(n[0].live == "4");

  CHECK(found(diffs({{"ok", true}}, {{"ok", false}})) == Found{"value $.ok"});
}

TEST_CASE("answer diff: examples are short", "[compare][diff]") {
  // (Not all a-f: a long run of hex digits is a volatile id.)
  auto ds = diffs({{"text", std::string(500, 'x')}}, {{"text", std::string(500, 'y')}});
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].recorded.size() <= 100);
  CHECK(ds[0].live.size() <= 100);
}

TEST_CASE("answer diff: the values of secret-named keys are never shown", "[compare][diff]") {
  auto ds = diffs({{"password", "hunter2"}, {"api_key", "k-123"}, {"access_token", "abc"}},
                  {{"password", "swordfish"}, {"access_token", 5}});
  REQUIRE(ds.size() == 3);
  for (const auto& d : ds) {
    INFO(d.field);
    CHECK_THAT(d.recorded + d.live, !Catch::Contains("hunter2") && !Catch::Contains("swordfish") &&
                                        !Catch::Contains("k-123") && !Catch::Contains("abc"));
  }
  CHECK(found(ds) == Found{"missing $.api_key", "type $.access_token", "value $.password"});
  CHECK(ds[0].recorded == "{{redacted}}");
  CHECK(ds[2].recorded == "{{redacted}}");
  CHECK(ds[2].live == "{{redacted}}");
}

TEST_CASE("answer diff: timestamps, UUIDs, hex ids, JWTs and placeholders are not value differences",
          "[compare][diff]") {
  const json rec = {{"created_at", "2024-01-01T00:00:00Z"},
                    {"ts", 1700000000},
                    {"ts_ms", 1700000000000},
                    {"request", "123e4567-e89b-12d3-a456-426614174000"},
                    {"trace", "0123456789abcdef0123"},
                    {"session", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},
                    {"note", "{{redacted:3}}"}};
  const json live = {{"created_at", "2026-11-25T13:45:01.123+01:00"},
                     {"ts", 1760000000},
                     {"ts_ms", 1760000000123},
                     {"request", "9f8e7d6c-5b4a-3210-fedc-ba9876543210"},
                     {"trace", "fedcba9876543210fedc"},
                     {"session", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.b3RoZXJzaWc"},
                     {"note", "the live secret"}};
  CHECK(diffs(rec, live).empty());
  // A timestamp that became something else is a difference.
  CHECK(found(diffs({{"created_at", "2024-01-01T00:00:00Z"}}, {{"created_at", "never"}})) ==
        Found{"value $.created_at"});
}

TEST_CASE("answer diff: values under id-named keys are not compared, their type is", "[compare][diff]") {
  CHECK(diffs({{"id", 1}, {"room_id", "general"}, {"roomId", 5}, {"user", {{"id", 7}}}},
              {{"id", 2}, {"room_id", "random"}, {"roomId", 6}, {"user", {{"id", 8}}}})
            .empty());
  CHECK(found(diffs({{"id", 1}}, {{"id", "1"}})) == Found{"type $.id"});
  CHECK(found(diffs({{"room_id", "r1"}}, {{"room_id", nullptr}})) == Found{"type $.room_id"});
  CHECK(found(diffs({{"paid", 1}}, {{"paid", 2}})) == Found{"value $.paid"});
}

TEST_CASE("answer diff: a list that became empty, or stopped being empty, is a length difference",
          "[compare][diff]") {
  auto ds = diffs({{"items", {1, 2}}}, {{"items", json::array()}});
  REQUIRE(found(ds) == Found{"length $.items"});
  CHECK_THAT(ds[0].recorded, Catch::Contains("2"));
  CHECK_THAT(ds[0].live, Catch::Contains("0"));
  CHECK(found(diffs({{"items", json::array()}}, {{"items", {1}}})) == Found{"length $.items"});
}

TEST_CASE("answer diff: lists of other non-empty lengths: items' structure compared, not their values",
          "[compare][diff]") {
  CHECK(diffs({{"items", {1, 2, 3}}}, {{"items", {4, 5}}}).empty());
  const json rec = {{"items", {{{"a", 1}, {"b", 2}}, {{"a", 3}, {"b", 4}}}}};
  const json live = {{"items", {{{"a", 9}}}}};
  CHECK(found(diffs(rec, live)) == Found{"missing $.items[*].b"});
  CHECK(found(diffs({{"items", {1, 2}}}, {{"items", {"1"}}})) == Found{"type $.items[*]"});
}

TEST_CASE("answer diff: items of lists of the same length are compared by value, named with [*]",
          "[compare][diff]") {
  const json rec = {{"messages", {{{"content", "hi"}}, {{"content", "yo"}}}}};
  const json live = {{"messages", {{{"content", "hi"}}, {{"content", "hey"}}}}};
  auto ds = diffs(rec, live);
  REQUIRE(found(ds) == Found{"value $.messages[*].content"});
  CHECK_THAT(ds[0].recorded, Catch::Contains("yo"));
  CHECK(found(diffs({{"grid", {{1, 2}, {3, 4}}}}, {{"grid", {{1, 2}, {3, 5}}}})) ==
        Found{"value $.grid[*][*]"});
  CHECK(found(diffs({{"a b", 1}}, {{"a b", 2}})) == Found{"value $['a b']"});
}

TEST_CASE("answer diff: compare.ignore paths and headers are not compared", "[compare][diff]") {
  const json rec = {{"a", 1},
                    {"items", {{{"x", 1}, {"y", 1}}}},
                    {"deep", {{"trace", "t1"}, {"list", {{{"trace", "t3"}}}}}},
                    {"meta", {{"host", "a"}, {"n", 1}}},
                    {"kept", 1}};
  const json live = {{"a", "changed type"},
                     {"items", {{{"x", 2}, {"y", 1}}}},
                     {"deep", {{"trace", "t2"}, {"list", {{{"trace", "t4"}}}}}},
                     {"meta", {{"host", "b"}, {"n", "2"}, {"new", true}}},
                     {"kept", 2}};
  IgnoreRules rules({"$.a", "$.items[*].x", "$..trace", "$.meta.*"}, "profile.json", "compare.ignore");
  CHECK(found(diffs(rec, live, ignoring(rules))) == Found{"value $.kept"});
  // Without the rules each of them is a difference.
  CHECK(diffs(rec, live).size() == 8);

  // A key the rules cover may come and go.
  IgnoreRules gone({"$.gone", "$.meta.*"}, "p", "f");
  CHECK(diffs({{"gone", 1}, {"meta", {{"a", 1}}}}, {{"meta", json::object()}}, ignoring(gone)).empty());

  IgnoreRules headers({"X-Request-Id", "Content-Type"}, "p", "f");
  Answer html = Answer::head(200, {{"Content-Type", "text/html"}});
  auto ds = diffs(json_answer({{"a", 1}}, 200, {{"X-Request-Id", "1"}}), html, ignoring(headers));
  for (const auto& d : ds) CHECK(d.kind != Kind::media_type);
  for (const auto& d : ds) CHECK(d.kind != Kind::header_missing);
}

TEST_CASE("answer diff: what learned noise shows varying is not a difference", "[compare][diff]") {
  KindNoise noise;
  noise.learn(
      json_answer({{"v", 1}, {"t", 1}, {"opt", 1}, {"list", {1}}, {"fixed", 1}}, 200, {{"X-Cache", "hit"}}));
  noise.learn(json_answer({{"v", 2}, {"t", "one"}, {"list", json::array()}, {"fixed", 1}}));
  const CompareContext c = learned_from(noise);

  CHECK(diffs({{"v", 1}}, {{"v", 3}}, c).empty());                      // value varied
  CHECK(diffs({{"t", 1}}, {{"t", true}}, c).empty());                   // type varied
  CHECK(diffs({{"opt", 1}}, json::object(), c).empty());                // presence varied: missing
  CHECK(diffs(json::object(), {{"opt", 1}}, c).empty());                // and added
  CHECK(diffs({{"list", {1}}}, {{"list", json::array()}}, c).empty());  // length varied
  CHECK(diffs(json_answer({{"a", 1}}, 200, {{"X-Cache", "hit"}}), json_answer({{"a", 1}}), c).empty());

  CHECK(found(diffs({{"fixed", 1}}, {{"fixed", 2}}, c)) == Found{"value $.fixed"});
  CHECK(found(diffs({{"fixed", 1}}, {{"fixed", "1"}}, c)) == Found{"type $.fixed"});
  CHECK(found(diffs({{"v", 1}}, {{"v", "1"}}, c)) == Found{"type $.v"});  // its value varied, not its type
  CHECK(found(diffs({{"fixed", 1}}, json::object(), c)) == Found{"missing $.fixed"});
}

TEST_CASE("answer diff: a value correlation mapped to the live one is no difference", "[compare][diff]") {
  std::vector<std::pair<std::string, std::string>> asked;
  CompareContext c;
  c.mapped = [&](std::string_view rec, std::string_view live) {
    asked.emplace_back(rec, live);
    return (rec == "1" && live == "57") || (rec == "alice" && live == "bob");
  };
  CHECK(diffs({{"room", 1}, {"owner", "alice"}}, {{"room", 57}, {"owner", "bob"}}, c).empty());
  CHECK(std::find(asked.begin(), asked.end(), std::pair<std::string, std::string>{"1", "57"}) != asked.end());
  CHECK(std::find(asked.begin(), asked.end(), std::pair<std::string, std::string>{"alice", "bob"}) !=
        asked.end());

  CHECK(found(diffs({{"room", 1}}, {{"room", 58}}, c)) == Found{"value $.room"});
}

TEST_CASE("answer diff: an event type the live stream lacks", "[compare][diff]") {
  auto ds = diffs(stream_answer({"connected", "message", "message"}), stream_answer({"message"}));
  REQUIRE(found(ds) == Found{"event type missing event connected"});
  CHECK(ds[0].kind == Kind::event_missing);
  // A live stream cut short may have lacked it only for being cut.
  CHECK(diffs(stream_answer({"connected", "message"}), stream_answer({"message"}, false)).empty());
}

TEST_CASE("answer diff: an event type the recorded stream lacked, when it was whole", "[compare][diff]") {
  auto ds = diffs(stream_answer({"message"}), stream_answer({"message", "error"}));
  REQUIRE(found(ds) == Found{"event type added event error"});
  CHECK(ds[0].kind == Kind::event_added);
  CHECK(diffs(stream_answer({"message"}, false), stream_answer({"message", "error"})).empty());
}

TEST_CASE("answer diff: event types that first came in another order", "[compare][diff]") {
  auto ds =
      diffs(stream_answer({"connected", "message", "connected"}), stream_answer({"message", "connected"}));
  REQUIRE(found(ds) == Found{"event order events"});
  CHECK(ds[0].kind == Kind::event_order);
  // The same first appearances with more repeats are the same order.
  CHECK(diffs(stream_answer({"a", "b", "a", "b"}), stream_answer({"a", "a", "b"})).empty());
}

TEST_CASE("answer diff: event types learned to be optional are not differences", "[compare][diff]") {
  KindNoise noise;
  noise.learn(stream_answer({"connected", "typing", "message"}));
  noise.learn(stream_answer({"connected", "message"}));
  const CompareContext c = learned_from(noise);
  CHECK(diffs(stream_answer({"connected", "typing", "message"}), stream_answer({"connected", "message"}), c)
            .empty());
  CHECK(diffs(stream_answer({"connected", "message"}), stream_answer({"connected", "message", "typing"}), c)
            .empty());
  CHECK(found(diffs(stream_answer({"connected", "message"}), stream_answer({"message"}), c)) ==
        Found{"event type missing event connected"});
}

TEST_CASE("answer diff: at most kMaxDifferences per answer", "[compare][diff]") {
  json rec = json::object(), live = json::object();
  for (int i = 0; i < 100; ++i) {
    const std::string key = fmt::format("k{}", i);
    rec[key] = i;
    live[key] = i + 1000;
  }
  CHECK(diffs(rec, live).size() == kMaxDifferences);

  json list_rec = {{"items", json::array()}}, list_live = {{"items", json::array()}};
  for (int i = 0; i < 100; ++i) {
    list_rec["items"].push_back({{"a", i}, {"b", i}});
    list_live["items"].push_back({{"a", -i - 1}, {"c", i}});
  }
  CHECK(diffs(list_rec, list_live).size() == kMaxDifferences);
}

TEST_CASE("answer diff: a JSON body that stopped being JSON is a type difference at $", "[compare][diff]") {
  Answer broken = Answer::head(200, {{"Content-Type", "application/json"}});
  broken.set_body("<html>502</html>");
  auto ds = diffs(json_answer({{"a", 1}}), broken);
  REQUIRE(found(ds) == Found{"type $"});
  CHECK_THAT(ds[0].live, Catch::Contains("not JSON"));
}
