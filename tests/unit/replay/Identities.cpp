#include "replay/Identities.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::capture::Request;
using reprise::replay::expand_identity;
using reprise::replay::identity_value;
using reprise::replay::IdentityContext;

namespace {

Request request(HeaderList headers, std::string body) {
  Request r;
  r.method = "POST";
  r.target = "/api/users";
  r.headers = std::move(headers);
  r.body.size = body.size();
  r.body.data = std::move(body);
  return r;
}

Request json(std::string body) { return request({{"Content-Type", "application/json"}}, std::move(body)); }
Request form(std::string body) {
  return request({{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}}, std::move(body));
}

const std::regex kUuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

}  // namespace

TEST_CASE("identity_value: a JSON field at any depth", "[replay][identities]") {
  CHECK(identity_value(json(R"({"email":"a@x.com","name":"a"})"), "email") == "a@x.com");
  CHECK(identity_value(json(R"({"data":{"user":{"email":"deep@x.com"}}})"), "email") == "deep@x.com");
  CHECK(identity_value(json(R"({"users":[{"name":"n"},{"email":"in-array@x.com"}]})"), "email") ==
        "in-array@x.com");
  CHECK(identity_value(json(R"({"email":"a\"b@x.com"})"), "email") == "a\"b@x.com");  // unescaped
  // Any body that parses as JSON is read as JSON, whatever its Content-Type.
  CHECK(identity_value(request({}, R"({"username":"bob"})"), "username") == "bob");

  CHECK_FALSE(identity_value(json(R"({"name":"a"})"), "email"));
  CHECK_FALSE(identity_value(json(R"({"Email":"a@x.com"})"), "email"));
  CHECK_FALSE(identity_value(json(R"({"email":5})"), "email"));  // not a string
  CHECK_FALSE(identity_value(json(""), "email"));
  Request cut = json(R"({"email":"a@x.com","pass)");
  cut.body.size = 400;
  CHECK_FALSE(identity_value(cut, "email"));
}

TEST_CASE("identity_value: a form field", "[replay][identities]") {
  CHECK(identity_value(form("name=bob&email=f@x.com&x=1"), "email") == "f@x.com");
  CHECK(identity_value(form("email=first@x.com"), "email") == "first@x.com");
  CHECK(identity_value(form("username=bob&password={{redacted:1}}"), "password") == "{{redacted:1}}");
  CHECK_FALSE(identity_value(form("xemail=no@x.com&emailx=no"), "email"));
  CHECK(identity_value(form("email=&name=n"), "name") == "n");
  CHECK_FALSE(identity_value(form("name=n"), "email"));
  // Without a form Content-Type a body that is not JSON is not read.
  CHECK_FALSE(identity_value(request({{"Content-Type", "text/plain"}}, "email=f@x.com"), "email"));
}

TEST_CASE("identity_value: a form field is URL-decoded, as the request template matches it",
          "[replay][identities]") {
  CHECK(identity_value(form("email=f%40x.com&x=1"), "email") == "f@x.com");
  CHECK(identity_value(form("name=Ann+Lee"), "name") == "Ann Lee");
}

TEST_CASE("expand_identity fills {vu}, {iter} and {shard}", "[replay][identities]") {
  IdentityContext ctx{7, 2, 3};
  CHECK(expand_identity("user{vu}-{iter}@s{shard}.test", ctx) == "user7-2@s3.test");
  CHECK(expand_identity("{vu}{vu}", ctx) == "77");
  CHECK(expand_identity("plain@x.com", ctx) == "plain@x.com");
  CHECK(expand_identity("", ctx) == "");
  CHECK(expand_identity("{name} {vu", ctx) == "{name} {vu");  // unknown or unclosed: kept
  CHECK(expand_identity("u{vu}", IdentityContext{}) == "u1");
  CHECK(expand_identity("u{vu}@t.com", IdentityContext{1234, 0, 1}) == "u1234@t.com");
}

TEST_CASE("expand_identity makes a fresh version 4 UUID at each {uuid}", "[replay][identities]") {
  IdentityContext ctx;
  std::string one = expand_identity("id-{uuid}@x.com", ctx);
  REQUIRE(one.size() == 3 + 36 + 6);
  CHECK(one.starts_with("id-"));
  CHECK(one.ends_with("@x.com"));
  CHECK(std::regex_match(one.substr(3, 36), kUuid4));

  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string u = expand_identity("{uuid}", ctx);
    INFO(u);
    CHECK(std::regex_match(u, kUuid4));
    seen.insert(u);
  }
  CHECK(seen.size() == 100);
  std::string two = expand_identity("{uuid}/{uuid}", ctx);
  CHECK(two.substr(0, 36) != two.substr(37));
}

TEST_CASE("unique_value: the recorded value made unique for the run and the copy, its shape kept",
          "[replay][identities]") {
  using reprise::replay::RunMark;
  using reprise::replay::unique_value;
  RunMark run{"k3x9q1", 4821};
  CHECK(unique_value("alice@test.com", run, 17) == "alice_17_k3x9q1@test.com");
  CHECK(unique_value("alice", run, 17) == "alice_17_k3x9q1");
  CHECK(unique_value("Test User 3", run, 5) == "Test User 3_5_k3x9q1");
  CHECK(unique_value("01012345678", run, 17) == "01000482117");  // its prefix, the run's digits, the copy
  CHECK(unique_value("1234567", run, 17) == "1482117");
  CHECK(unique_value("1234", run, 17) == "482117");  // too short to keep its length
  CHECK(unique_value("a", run, 1) != unique_value("a", run, 2));
  CHECK(unique_value("a", run, 1) != unique_value("a", RunMark{"zzzzzz", 4821}, 1));           // another run
  CHECK(unique_value("0101234", run, 1) != unique_value("0101234", RunMark{"zzzzzz", 1}, 1));  // digits too
  // A service that searches by substring finds one copy for one copy's value: copy 1's is not
  // part of copy 10's, 100's or any other's.
  std::vector<std::string> found;
  for (uint64_t i = 1; i <= 120; ++i)
    for (uint64_t j = 1; j <= 120; ++j)
      if (i != j && unique_value("bob", run, j).find(unique_value("bob", run, i)) != std::string::npos)
        found.push_back(unique_value("bob", run, i) + " in " + unique_value("bob", run, j));
  CHECK(found.empty());
  auto a = RunMark::random(), b = RunMark::random();
  CHECK(a.text.size() == 6);
  CHECK(a.text != b.text);  // 36^6 marks: equal once in two billion runs
}

TEST_CASE("expand_identity fills {copy}; template_repeats says which templates give a value twice",
          "[replay][identities]") {
  using reprise::replay::template_repeats;
  reprise::replay::RunMark run{"abc123", 1};
  IdentityContext ctx{7, 2, 3, 99, &run};
  CHECK(expand_identity("u{copy}@t.com", ctx) == "u99@t.com");
  CHECK(expand_identity("u{run}-{copy}", ctx) == "uabc123-99");
  CHECK(template_repeats("user{vu}-{iter}@test.com", 2));  // two users of a group get the same
  CHECK_FALSE(template_repeats("user{copy}@test.com", 2));
  CHECK(template_repeats("user{vu}@test.com"));
  CHECK(template_repeats("fixed@test.com"));
  CHECK_FALSE(template_repeats("user{vu}-{iter}@test.com"));
  CHECK_FALSE(template_repeats("user{copy}@test.com"));
  CHECK_FALSE(template_repeats("user-{uuid}"));
}

TEST_CASE("field_evidence: a refused repeat marks a field unique, a value accepted twice marks it shared",
          "[replay][identities]") {
  using reprise::replay::field_evidence;
  auto x = [](const char* method, const char* target, const char* body, int status) {
    Exchange e;
    e.req.method = method;
    e.req.target = target;
    e.req.headers = {{"Content-Type", "application/json"}};
    e.req.body.data = body;
    e.req.body.size = e.req.body.data.size();
    e.res.emplace();
    e.res->status = status;
    return e;
  };
  std::vector<Exchange> xs = {
      x("POST", "/register", R"({"email":"a@x","username":"a","pw":"1","country":"US"})", 201),
      x("POST", "/register", R"({"email":"b@x","username":"b","pw":"2","country":"US"})", 201),
      x("POST", "/register", R"({"email":"a@x","username":"a","pw":"3","country":"US"})", 400),
      x("POST", "/other", R"({"name":"n"})", 201),
      x("POST", "/elsewhere", R"({"name":"n"})", 409),  // another path
      x("POST", "/token", R"({"grant_type":"password","client":"web"})", 200),
      x("POST", "/token", R"({"grant_type":"password","client":"web"})", 200),
      x("POST", "/token", R"({"grant_type":"password","client":"web"})", 400)};  // a constant refused
  auto evidence = field_evidence(xs);
  CHECK(evidence.refused == std::set<std::string>{"email", "username"});
  using Shared = std::set<std::pair<std::string, std::string>>;
  CHECK(evidence.shared ==
        Shared{{"POST /register", "country"}, {"POST /token", "client"}, {"POST /token", "grant_type"}});
}
