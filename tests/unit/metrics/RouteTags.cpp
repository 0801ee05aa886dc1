#include "metrics/RouteTags.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>

using reprise::metrics::RouteTags;

TEST_CASE("route tags: the profile's patterns name requests, the folded path names the rest",
          "[metrics][routes]") {
  RouteTags tags({{"SendMessage", "POST /api/chat/rooms/*/messages"},
                  {"Login", "POST /api/users/login"},
                  {"AnyMe", "* /api/users/me"}});
  CHECK(tags.name_of("POST", "/api/chat/rooms/17/messages") == "SendMessage");
  CHECK(tags.name_of("POST", "/api/chat/rooms/17/messages?x=1") == "SendMessage");
  CHECK(tags.name_of("post", "/api/users/login") == "Login");
  CHECK(tags.name_of("GET", "/api/users/me") == "AnyMe");
  CHECK(tags.name_of("DELETE", "/api/users/me") == "AnyMe");
  // a method or a segment count that differs falls back to the folded path
  CHECK(tags.name_of("GET", "/api/chat/rooms/17/messages") == "/api/chat/rooms/{id}/messages");
  CHECK(tags.name_of("POST", "/api/chat/rooms/17/messages/3") == "/api/chat/rooms/{id}/messages/{id}");
  CHECK(tags.name_of("POST", "/api/users/login/") == "/api/users/login/");
  CHECK(RouteTags({}).name_of("GET", "/a/5f0c6b9e-3c1a-4e8b-9d2f-0a1b2c3d4e5f") == "/a/{id}");
}

TEST_CASE("a path pattern matches whole segments, '*' any one, the query not looked at", "[metrics][tags]") {
  reprise::http::PathPattern p("/api/chat/rooms/*/messages");
  CHECK(p.matches("/api/chat/rooms/17/messages"));
  CHECK(p.matches("/api/chat/rooms/abc/messages?limit=5#x"));
  CHECK_FALSE(p.matches("/api/chat/rooms/17/messages/3"));
  CHECK_FALSE(p.matches("/api/chat/rooms/17"));
  CHECK_FALSE(p.matches("/api/chat/rooms//messagesx"));
  CHECK_FALSE(p.matches("/api/chat/room/17/messages"));
  CHECK(reprise::http::PathPattern("/").matches("/?q=1"));
  CHECK_FALSE(reprise::http::PathPattern("/").matches("/a"));
  CHECK(reprise::http::PathPattern("/a/").matches("/a/"));
  CHECK_FALSE(reprise::http::PathPattern("/a/").matches("/a"));
}

TEST_CASE("route tags: a folded path met again is found without folding, under the same name",
          "[metrics][routes]") {
  std::map<std::string, std::string> routes = {{"SendMessage", "POST /api/chat/rooms/*/messages"},
                                               {"Login", "POST /api/users/login"},
                                               {"AnyMe", "* /api/users/me"}};
  RouteTags names(routes);  // kept: paths met before are matched segment by segment
  const std::pair<const char*, const char*> requests[] = {
      {"POST", "/api/chat/rooms/17/messages"},
      {"POST", "/api/chat/rooms/17/messages?x=1"},
      {"post", "/api/users/login"},
      {"GET", "/api/users/me"},
      {"DELETE", "/api/users/me"},
      {"GET", "/api/chat/rooms/17/messages"},
      {"GET", "/api/chat/rooms/18/messages?limit=5"},  // the folded path met again
      {"GET", "/api/chat/rooms/general/messages"},     // not an id: a name of its own
      {"GET", "/api/chat/rooms/{id}/messages"},        // a literal {id} folds to itself
      {"POST", "/api/chat/rooms/17/messages/3"},
      {"POST", "/api/users/login/"},
      {"GET", "/a/5f0c6b9e-3c1a-4e8b-9d2f-0a1b2c3d4e5f"},
      {"GET", "/a/0123456789abcdef0123"},
      {"GET", "/a/%7B%7Bredacted%3A3%7D%7D"},
      {"GET", "/a/beef"},
      {"GET", "http://example.test/api/users/9?x"},  // absolute form
      {"GET", "/"},
      {"OPTIONS", "*"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const auto& [method, target] : requests) {
      INFO(method << " " << target);
      // a fresh RouteTags has nothing kept, so it folds the long way (http::route_pattern)
      CHECK(names.name(names.index_of(method, target)) == RouteTags(routes).name_of(method, target));
    }
  }
  CHECK(names.index_of("GET", "/api/chat/rooms/17/messages") ==
        names.index_of("GET", "/api/chat/rooms/99/messages"));
  CHECK(names.index_of("GET", "/api/chat/rooms/17/messages") !=
        names.index_of("GET", "/api/chat/rooms/a/messages"));
}

TEST_CASE("route tags: past the limit of folded paths, new ones share one name", "[metrics][routes]") {
  RouteTags names(std::map<std::string, std::string>{});
  for (size_t i = 0; i < RouteTags::kMaxFolded; ++i)
    CHECK(names.name(names.index_of("GET", "/p" + std::to_string(i))) == "/p" + std::to_string(i));
  CHECK(names.name(names.index_of("GET", "/q")) == RouteTags::kOther);
  CHECK(names.name(names.index_of("GET", "/r/1")) == RouteTags::kOther);
  CHECK(names.name(names.index_of("GET", "/p7")) == "/p7");  // known ones keep their names
}

TEST_CASE("route tags: without a limit every folded path keeps its own name", "[metrics][routes]") {
  RouteTags names(std::map<std::string, std::string>{}, RouteTags::kNoLimit);
  for (size_t i = 0; i <= RouteTags::kMaxFolded; ++i)
    CHECK(names.name_of("GET", "/p" + std::to_string(i)) == "/p" + std::to_string(i));
  CHECK(names.name_of("GET", "/q/7") == "/q/{id}");
}
