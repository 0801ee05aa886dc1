#include "metrics/RouteTags.hpp"

#include <catch2/catch.hpp>

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
