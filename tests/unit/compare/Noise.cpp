// What response comparison does not call a difference: compare.ignore rules, volatile values,
// what answers to one kind of request showed, and how kinds of request are told apart.
#include "compare/Noise.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "InputError.hpp"
#include "compare/Answers.hpp"

using nlohmann::json;
using reprise::InputError;
using reprise::capture::Request;
using reprise::compare::append_index;
using reprise::compare::append_key;
using reprise::compare::field_name;
using reprise::compare::IgnoreRules;
using reprise::compare::KindNoise;
using reprise::compare::LearnedNoise;
using reprise::compare::type_name;
using reprise::compare::volatile_values;
using reprise::compare::test::json_answer;
using reprise::compare::test::stream_answer;

namespace {

IgnoreRules rules(const std::vector<std::string>& written) {
  return IgnoreRules(written, "profile.json", "compare.ignore");
}

// The message of the InputError a rule raises ("" when it raises none).
std::string error_of(const std::string& rule) {
  try {
    rules({rule});
  } catch (const InputError& e) {
    CHECK(e.file() == "profile.json");
    return e.what();
  }
  return "";
}

Request request(std::string target, std::string body = "") {
  Request r;
  r.method = body.empty() ? "GET" : "POST";
  r.target = std::move(target);
  r.body.size = body.size();
  r.body.data = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("ignore rules: a path it cannot read is an InputError naming file, field and rule",
          "[compare][noise]") {
  for (const std::string rule : {"$.a[", "$..", "$.a[x]", "$.a[]", "$.", "$.a..", "$['a", "$a"}) {
    INFO(rule);
    const std::string message = error_of(rule);
    CHECK_THAT(message, Catch::Contains("profile.json"));
    CHECK_THAT(message, Catch::Contains("compare.ignore"));
    CHECK_THAT(message, Catch::Contains(rule));
  }
  CHECK_THROWS_AS(rules({""}), InputError);
}

TEST_CASE("ignore rules: the path forms it reads", "[compare][noise]") {
  for (const std::string rule : {"$", "$.a", "$.a.b", "$.a[0]", "$.a[*]", "$.items[*].x", "$['x y']",
                                 "$..trace", "$.meta.*", "X-Request-Id"}) {
    INFO(rule);
    CHECK(error_of(rule).empty());
  }
}

TEST_CASE("ignore rules: which concrete paths a pattern covers", "[compare][noise]") {
  IgnoreRules r = rules({"$.a", "$.items[*].x", "$..trace", "$.meta.*", "$['x y']"});
  CHECK_FALSE(r.empty());
  CHECK(r.path("$.a"));
  CHECK_FALSE(r.path("$.ab"));
  CHECK_FALSE(r.path("$.b"));
  CHECK(r.path("$.items[0].x"));
  CHECK(r.path("$.items[17].x"));
  CHECK_FALSE(r.path("$.items[0].y"));
  CHECK_FALSE(r.path("$.other[0].x"));
  CHECK(r.path("$.trace"));
  CHECK(r.path("$.deep.down.trace"));
  CHECK(r.path("$.list[2].b.trace"));
  CHECK_FALSE(r.path("$.trace_id"));
  CHECK(r.path("$.meta.x"));
  CHECK(r.path("$.meta['a b']"));
  CHECK_FALSE(r.path("$.meta"));
  CHECK_FALSE(r.path("$.other.x"));
  CHECK(r.path("$['x y']"));
  CHECK_FALSE(r.path("$['x z']"));
}

TEST_CASE("ignore rules: header names are taken in any case", "[compare][noise]") {
  IgnoreRules r = rules({"X-Request-Id", "content-TYPE"});
  CHECK(r.header("x-request-id"));
  CHECK(r.header("content-type"));
  CHECK_FALSE(r.header("x-request"));
  CHECK_FALSE(r.path("$.x"));
  CHECK(r.written() == std::vector<std::string>{"X-Request-Id", "content-TYPE"});
  CHECK(IgnoreRules().empty());
  CHECK_FALSE(IgnoreRules().path("$.a"));
  CHECK_FALSE(IgnoreRules().header("x-request-id"));
}

TEST_CASE("field names: every index is [*], quoted names kept as they are", "[compare][noise]") {
  CHECK(field_name("$.a[3].b['x y'][10]") == "$.a[*].b['x y'][*]");
  CHECK(field_name("$.messages[0].content") == "$.messages[*].content");
  CHECK(field_name("$[0][1]") == "$[*][*]");
  CHECK(field_name("$['a[3]']") == "$['a[3]']");
  CHECK(field_name("$['it\\'s'][2]") == "$['it\\'s'][*]");
  CHECK(field_name("$") == "$");
  CHECK(field_name("status") == "status");
}

TEST_CASE("path steps: identifiers after a dot, other keys quoted, indexes in brackets", "[compare][noise]") {
  std::string p = "$";
  append_key(p, "messages");
  append_index(p, 3);
  append_key(p, "a b");
  append_key(p, "it's");
  append_key(p, "1st");
  append_key(p, "room_id");
  CHECK(p == "$.messages[3]['a b']['it\\'s']['1st'].room_id");
}

TEST_CASE("type names as differences show them", "[compare][noise]") {
  CHECK(type_name(json(1)) == "number");
  CHECK(type_name(json(1.5)) == "number");
  CHECK(type_name(json(-3)) == "number");
  CHECK(type_name(json(true)) == "boolean");
  CHECK(type_name(json(nullptr)) == "null");
  CHECK(type_name(json("x")) == "string");
  CHECK(type_name(json::array()) == "array");
  CHECK(type_name(json::object()) == "object");
}

TEST_CASE("volatile values: timestamps, UUIDs, hex ids and JWTs on both sides", "[compare][noise]") {
  CHECK(volatile_values("created_at", "2024-01-01T00:00:00Z", "2025-06-30T12:34:56.789+02:00"));
  CHECK(volatile_values("at", "2024-01-01 00:00:00", "2024-01-02 10:11:12"));
  CHECK(volatile_values("ts", 1700000000, 1700000999));        // epoch seconds
  CHECK(volatile_values("ts", 1700000000000, 1700000999123));  // epoch milliseconds
  CHECK(volatile_values("ts", 1700000000.25, 1700000001.5));   // fractional seconds
  CHECK(volatile_values("request", "123e4567-e89b-12d3-a456-426614174000",
                        "9f8e7d6c-5b4a-3210-fedc-ba9876543210"));
  CHECK(volatile_values("trace", "0123456789abcdef", "fedcba9876543210aa"));
  CHECK(volatile_values("session", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.b3RoZXJzaWc"));
}

TEST_CASE("volatile values: a volatile value on one side only, or plain values, are not",
          "[compare][noise]") {
  CHECK_FALSE(volatile_values("created_at", "2024-01-01T00:00:00Z", "yesterday"));
  CHECK_FALSE(volatile_values("name", "alice", "bob"));
  CHECK_FALSE(volatile_values("count", 5, 6));
  CHECK_FALSE(volatile_values("ts", 1700000000, 42));
  CHECK_FALSE(volatile_values("hex", "0123456789abcde", "fedcba987654321"));  // 15 digits: too short
  CHECK_FALSE(volatile_values("paid", 1, 2));  // "id" only as the whole name or its last word
  CHECK_FALSE(volatile_values("valid", "a", "b"));
}

TEST_CASE("volatile values: a redaction placeholder recorded, any value under an id-named key",
          "[compare][noise]") {
  CHECK(volatile_values("note", "{{redacted:3}}", "s3cr3t"));
  CHECK(volatile_values("", "Bearer {{redacted:1}}", "Bearer abc"));
  CHECK(volatile_values("id", 1, 57));
  CHECK(volatile_values("ID", "a", "b"));
  CHECK(volatile_values("room_id", "general", "random"));
  CHECK(volatile_values("roomId", 5, 6));
  CHECK(volatile_values("userID", 5, 6));
}

TEST_CASE("learned noise: values, types, lengths and presence that varied between answers",
          "[compare][noise]") {
  KindNoise k;
  k.learn(json_answer({{"v", 1}, {"t", 1}, {"same", "x"}, {"list", {1, 2}}, {"opt", 1}, {"o", {{"a", 1}}}}));
  k.learn(json_answer({{"v", 2}, {"t", "1"}, {"same", "x"}, {"list", {1}}, {"o", {{"a", 1}, {"b", 2}}}}));
  CHECK(k.answers == 2);
  CHECK(k.value_varies("$.v"));
  CHECK_FALSE(k.value_varies("$.same"));
  CHECK_FALSE(k.value_varies("$.unknown"));
  CHECK(k.type_varies("$.t"));
  CHECK_FALSE(k.type_varies("$.v"));
  CHECK(k.length_varies("$.list"));
  CHECK_FALSE(k.value_varies("$.list[0]"));
  CHECK(k.presence_varies("$", "$.opt"));
  CHECK_FALSE(k.presence_varies("$", "$.same"));
  CHECK(k.presence_varies("$.o", "$.o.b"));
  CHECK_FALSE(k.presence_varies("$.o", "$.o.a"));
  CHECK_FALSE(k.presence_varies("$", "$.never"));
}

TEST_CASE("learned noise: headers and event types not every answer had", "[compare][noise]") {
  KindNoise k;
  k.learn(json_answer({{"a", 1}}, 200, {{"X-Cache", "hit"}, {"X-Always", "1"}}));
  k.learn(json_answer({{"a", 1}}, 200, {{"X-Always", "1"}}));
  CHECK(k.header_varies("x-cache"));
  CHECK_FALSE(k.header_varies("x-always"));
  CHECK_FALSE(k.header_varies("x-never"));

  KindNoise s;
  s.learn(stream_answer({"connected", "message", "typing"}));
  s.learn(stream_answer({"connected", "message"}));
  s.learn(stream_answer({"connected"}, false));  // cut short: says nothing of the types it lacks
  CHECK(s.streams == 2);
  CHECK(s.event_type_varies("typing"));
  CHECK_FALSE(s.event_type_varies("message"));
  CHECK_FALSE(s.event_type_varies("connected"));
}

TEST_CASE("kinds of request: route, status, body shape and query names tell them apart", "[compare][noise]") {
  const auto kind = [](int route, int status, const Request& r) {
    return LearnedNoise::kind_of(route, status, r);
  };
  const Request text = request("/rooms/1/messages", R"({"text":"hi","n":1})");
  CHECK(kind(1, 200, text) == kind(1, 200, request("/rooms/2/messages", R"({"text":"bye","n":7})")));
  CHECK(kind(1, 200, text) != kind(2, 200, text));
  CHECK(kind(1, 200, text) != kind(1, 201, text));
  CHECK(kind(1, 200, text) != kind(1, 200, request("/rooms/1/messages", R"({"text":5,"n":1})")));
  CHECK(kind(1, 200, text) != kind(1, 200, request("/rooms/1/messages", R"({"body":"hi","n":1})")));
  CHECK(kind(1, 200, text) != kind(1, 200, request("/rooms/1/messages", R"({"text":"hi"})")));
  CHECK(kind(1, 200, text) != kind(1, 200, request("/rooms/1/messages", R"({"text":"hi","n":{"x":1}})")));
  CHECK(kind(1, 200, request("/r", R"({"a":[{"x":1}]})")) ==
        kind(1, 200, request("/r", R"({"a":[{"x":2}]})")));
  CHECK(kind(1, 200, request("/r", R"({"a":[{"x":1}]})")) !=
        kind(1, 200, request("/r", R"({"a":[{"y":1}]})")));

  CHECK(kind(3, 200, request("/search?q=a&page=1")) == kind(3, 200, request("/search?q=bb&page=9")));
  CHECK(kind(3, 200, request("/search?q=a")) != kind(3, 200, request("/search?q=a&page=1")));
  CHECK(kind(3, 200, request("/search?q=a")) != kind(3, 200, request("/search?query=a")));
  CHECK(kind(3, 200, request("/search?q=a")) != kind(3, 200, request("/search")));
  CHECK(kind(3, 200, request("/x", "not json")) == kind(3, 200, request("/x", "other text")));
}

TEST_CASE("kinds of request: a null is another type than a number", "[compare][noise]") {
  const Request number = request("/r", R"({"parent":5})"), null = request("/r", R"({"parent":null})");
  CHECK(LearnedNoise::kind_of(1, 200, number) != LearnedNoise::kind_of(1, 200, null));
}

TEST_CASE("learned noise: kinds are kept apart by their key", "[compare][noise]") {
  LearnedNoise learned;
  CHECK(learned.find("a") == nullptr);
  learned.kind("a").learn(json_answer({{"v", 1}}));
  learned.kind("a").learn(json_answer({{"v", 2}}));
  learned.kind("b").learn(json_answer({{"v", 1}}));
  CHECK(learned.kinds() == 2);
  REQUIRE(learned.find("a") != nullptr);
  CHECK(learned.find("a")->value_varies("$.v"));
  CHECK_FALSE(learned.find("b")->value_varies("$.v"));
}
