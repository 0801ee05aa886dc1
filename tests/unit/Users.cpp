#include "replay/Users.hpp"

#include <catch2/catch.hpp>
#include <deque>

using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::replay::Connections;
using reprise::replay::group_users;

namespace {

// Exchanges live in a deque so that Connections' pointers stay valid as the test adds more.
struct Capture {
  std::deque<Exchange> all;
  Connections connections;

  void add(const std::string& session, int64_t t_us, std::string target, HeaderList headers = {},
           std::string answer = "") {
    Exchange x;
    x.session = session;
    x.t_us = t_us;
    x.req.method = "GET";
    x.req.target = std::move(target);
    x.req.headers = std::move(headers);
    x.res.emplace();
    x.res->status = 200;
    x.res->headers = {{"Content-Type", "application/json"}};
    x.res->body.data = std::move(answer);
    x.res->body.size = x.res->body.data.size();
    all.push_back(std::move(x));
    connections[session].push_back(&all.back());
  }
};

}  // namespace

TEST_CASE("users: a token handed out on one connection and carried on another joins them",
          "[replay][users]") {
  Capture c;
  c.add("login", 0, "/login", {}, R"({"access_token":"{{redacted:4}}"})");
  c.add("stream", 100, "/stream", {{"Authorization", "Bearer {{redacted:4}}"}});
  c.add("other", 50, "/me", {{"Authorization", "Bearer {{redacted:9}}"}});
  auto groups = group_users(c.connections);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == std::vector<std::string>{"login", "stream"});
  CHECK(groups[1] == std::vector<std::string>{"other"});
}

TEST_CASE("users: links are long values, before their use, in headers, paths and queries",
          "[replay][users]") {
  Capture c;
  c.add("a", 0, "/login", {}, R"({"sid":"abcdefgh","short":"abcd","id":12345678})");
  c.add("b", 10, "/x/abcdefgh/y");                          // path segment: linked
  c.add("c", 10, "/x?s=abcd");                              // shorter than 8: not linked
  c.add("d", 10, "/x?user=12345678");                       // an integer id: not a link
  c.add("e", 10, "/x", {{"Cookie", "sid=abcdefgh; t=1"}});  // cookie value: linked
  c.add("f", -5, "/early?s=abcdefgh");                      // used before it was handed out: not linked
  auto groups = group_users(c.connections);
  std::map<std::string, size_t> group_of;
  for (size_t g = 0; g < groups.size(); ++g)
    for (const auto& key : groups[g]) group_of[key] = g;
  CHECK(group_of["a"] == group_of["b"]);
  CHECK(group_of["a"] == group_of["e"]);
  CHECK(group_of["a"] != group_of["c"]);
  CHECK(group_of["a"] != group_of["d"]);
  CHECK(group_of["a"] != group_of["f"]);
  CHECK(groups.size() == 4);
  CHECK(groups[group_of["a"]].front() == "a");  // in order of first request
}

TEST_CASE("users: every connection is in exactly one group, chains join transitively", "[replay][users]") {
  Capture c;
  c.add("one", 0, "/a", {}, R"({"t":"token-one-1"})");
  c.add("two", 10, "/b", {{"Authorization", "Bearer token-one-1"}}, R"({"t":"token-two-2"})");
  c.add("three", 20, "/c", {{"Authorization", "Bearer token-two-2"}});
  c.add("alone", 30, "/d");
  auto groups = group_users(c.connections);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == std::vector<std::string>{"one", "two", "three"});
  CHECK(groups[1] == std::vector<std::string>{"alone"});
}
