#include "replay/Correlation.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <tuple>
#include <vector>

using reprise::capture::HeaderList;
using reprise::capture::Response;
using reprise::http::Header;
using reprise::replay::CorrelateRules;
using reprise::replay::find_handouts;
using reprise::replay::Handout;
using reprise::replay::read_live;

namespace {

Response response(HeaderList headers, std::string body = "") {
  Response r;
  r.status = 200;
  r.headers = std::move(headers);
  r.body.size = body.size();
  r.body.data = std::move(body);
  return r;
}

Response json_response(std::string body) {
  return response({{"Content-Type", "application/json"}}, std::move(body));
}

// describe() → (value, id, forced), for comparing handouts whatever their order.
using Found = std::map<std::string, std::tuple<std::string, bool, bool>>;

Found found(const std::vector<Handout>& handouts) {
  Found out;
  for (const auto& h : handouts) {
    INFO(h.describe());
    CHECK(out.count(h.describe()) == 0);  // each place once
    out[h.describe()] = {h.value, h.id, h.forced};
  }
  return out;
}

Found found(const Response& res, const CorrelateRules& rules = {}, bool automatic = true) {
  return found(find_handouts(res, rules, automatic));
}

const char* kLoginBody = R"({
  "access_token": "tok-123",
  "count": 3,
  "user": {"id": 42, "name": "bob", "email": "bob@x.com", "age": 30, "admin": true, "score": 1.5,
           "nickname": null},
  "items": [{"id": 7, "title": "hello world"}, {"room_id": 8, "title": "ab"}, {"id": -3}],
  "a/b": {"c~d": "slashed!"},
  "tags": ["first-tag", "xy"],
  "empty": ""
})";

Handout json_at(std::string where, std::string value = "", bool id = false) {
  return {Handout::From::json, std::move(where), std::move(value), id, false};
}

std::string live_from(const Handout& h, std::string_view body) {
  std::string out = "unchanged";
  return read_live(h, nlohmann::json::parse(body, nullptr, false), out) ? out : "<none>";
}

}  // namespace

TEST_CASE("JSON handouts: strings of 4 or more characters and integers under id-named keys",
          "[replay][correlation]") {
  const Found expected = {
      {"json /access_token", {"tok-123", false, false}},
      {"json /user/id", {"42", true, false}},
      {"json /user/email", {"bob@x.com", false, false}},
      {"json /items/0/id", {"7", true, false}},
      {"json /items/0/title", {"hello world", false, false}},
      {"json /items/1/room_id", {"8", true, false}},
      {"json /items/2/id", {"-3", true, false}},
      {"json /a~1b/c~0d", {"slashed!", false, false}},
      {"json /tags/0", {"first-tag", false, false}},
  };
  // Left out: "bob", "ab", "xy" (short), count and age (integers under other keys), admin
  // (boolean), score (float), nickname (null), "" (empty).
  CHECK(found(json_response(kLoginBody)) == expected);

  // A top-level array is walked too; a body that is not JSON, or cut at the body limit, hands out nothing.
  CHECK(found(json_response(R"([{"id": 5}, "long-enough"])")) ==
        Found{{"json /0/id", {"5", true, false}}, {"json /1", {"long-enough", false, false}}});
  CHECK(found(json_response("plain text body")).empty());
  CHECK(found(json_response(R"("just-a-string")")).empty());
  Response cut = json_response(R"({"access_token":"tok-1)");
  cut.body.size = 500;
  CHECK(found(cut).empty());
}

TEST_CASE("Set-Cookie hands out each cookie's value, whatever its length", "[replay][correlation]") {
  Response res = response({{"Set-Cookie", "sid=S1; Path=/; HttpOnly"},
                           {"set-cookie", "theme=dark"},
                           {"Set-Cookie", "gone=; Max-Age=0"},
                           {"X-Token", "not-a-cookie"}},
                          R"({"id": 1})");
  CHECK(found(res) == Found{{"cookie sid", {"S1", false, false}},
                            {"cookie theme", {"dark", false, false}},
                            {"json /id", {"1", true, false}}});
}

TEST_CASE("correlate rules: forced JSON fields, headers, ignored fields", "[replay][correlation]") {
  CorrelateRules rules;
  rules.json_fields = {"name", "count"};
  rules.headers = {"X-Csrf"};
  rules.ignore = {"email", "title"};
  Response res = json_response(kLoginBody);
  res.headers.push_back({"x-csrf", "c1"});
  res.headers.push_back({"Set-Cookie", "sid=S1"});
  Found all = found(res, rules);
  CHECK(all.at("json /user/name") ==
        std::tuple<std::string, bool, bool>{"bob", false, true});  // short, but named
  CHECK(all.at("json /count") == std::tuple<std::string, bool, bool>{"3", true, true});
  CHECK(all.at("header X-Csrf") == std::tuple<std::string, bool, bool>{"c1", false, true});
  CHECK(all.count("cookie sid") == 1);
  CHECK(all.count("json /user/email") == 0);
  CHECK(all.count("json /items/0/title") == 0);
  CHECK(all.count("json /access_token") == 1);

  // Without automatic correlation only what the rules name is handed out.
  CHECK(found(res, rules, false) == Found{{"json /user/name", {"bob", false, true}},
                                          {"json /count", {"3", true, true}},
                                          {"header X-Csrf", {"c1", false, true}}});
  CHECK(found(res, {}, false).empty());
}

TEST_CASE("describe() names the place", "[replay][correlation]") {
  CHECK(json_at("/items/0/id").describe() == "json /items/0/id");
  CHECK(Handout{Handout::From::cookie, "sid", "v", false, false}.describe() == "cookie sid");
  CHECK(Handout{Handout::From::header, "X-Csrf", "v", false, true}.describe() == "header X-Csrf");
}

TEST_CASE("read_live: cookies and headers from a live head", "[replay][correlation]") {
  const std::vector<Header> head = {{"Content-Type", "application/json"},
                                    {"Set-Cookie", "other=O; Path=/"},
                                    {"set-cookie", "sid=LIVE-SID; Path=/; HttpOnly"},
                                    {"x-csrf", "c2"}};
  Handout cookie{Handout::From::cookie, "sid", "S1", false, false};
  Handout header{Handout::From::header, "X-Csrf", "c1", false, true};
  std::string out;
  REQUIRE(read_live(cookie, head, out));
  CHECK(out == "LIVE-SID");
  REQUIRE(read_live(header, head, out));
  CHECK(out == "c2");

  out = "kept";
  CHECK_FALSE(read_live(Handout{Handout::From::cookie, "missing", "x", false, false}, head, out));
  CHECK_FALSE(read_live(Handout{Handout::From::header, "X-Missing", "x", false, true}, head, out));
  CHECK_FALSE(read_live(json_at("/access_token"), head, out));  // a JSON place is not in a head
  CHECK_FALSE(read_live(cookie, std::vector<Header>{}, out));
  CHECK(out == "kept");
}

TEST_CASE("read_live: the value at the recorded place of a live JSON body", "[replay][correlation]") {
  const std::string live = R"({"access_token":"new-token","items":[{"id":99},{"id":100}],"a/b":{"c~d":"s2"},
                               "user":{"id":12345678901234}})";
  CHECK(live_from(json_at("/access_token", "tok-123"), live) == "new-token");
  CHECK(live_from(json_at("/items/1/id", "8", true), live) == "100");
  CHECK(live_from(json_at("/a~1b/c~0d"), live) == "s2");
  CHECK(live_from(json_at("/user/id", "42", true), live) == "12345678901234");

  // Every handout found in a recorded body reads back from the same body.
  for (const auto& h : find_handouts(json_response(kLoginBody), {}, true)) {
    INFO(h.describe());
    CHECK(live_from(h, kLoginBody) == h.value);
  }
}

TEST_CASE("read_live: a missing place or a body of another shape is false, never a throw",
          "[replay][correlation]") {
  const Handout item = json_at("/items/0/id", "7", true);
  const Handout token = json_at("/access_token", "tok");
  struct Case {
    const Handout& h;
    const char* body;
  };
  const Case cases[] = {
      {item, R"({"items":[]})"},
      {item, R"({"items":"a string"})"},
      {item, R"({"items":{"x":{"id":1}}})"},
      {item, R"({"items":[1,2]})"},
      {item, R"({"items":[{"id":1.5}]})"},
      {item, R"({"items":[{"id":true}]})"},
      {item, R"([1,2,3])"},
      {item, "42"},
      {item, "null"},
      {token, R"({"access_token":null})"},
      {token, R"({"access_token":{"nested":"x"}})"},
      {token, R"({"access_token":["x"]})"},
      {token, R"({"other":"x"})"},
      {token, "not json at all"},
      {token, R"({"access_token":"cut)"},
      {token, ""},
      {json_at("/items/x/id"), R"({"items":[{"id":1}]})"},
      {json_at("/items/01/id"), R"({"items":[{"id":1},{"id":2}]})"},
      {json_at("/items/-"), R"({"items":[{"id":1}]})"},
      {json_at("no-leading-slash"), R"({"no-leading-slash":"x"})"},
      {Handout{Handout::From::cookie, "sid", "v", false, false}, R"({"sid":"value"})"},
  };
  for (const auto& c : cases) {
    INFO(c.h.where << " in " << c.body);
    std::string out = "kept";
    bool got = true;
    CHECK_NOTHROW(got = read_live(c.h, nlohmann::json::parse(c.body, nullptr, false), out));
    CHECK_FALSE(got);
  }
}
