#include "demo/ChatService.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "demo/ChatConversation.hpp"

using namespace reprise::test;

TEST_CASE("chat: register answers 201 with the user and no password") {
  Chat c;
  auto r =
      c.post("/api/users/register", "", {{"email", "a@x.org"}, {"username", "alice"}, {"password", "pw"}});
  CHECK(r.status == 201);
  Json u = parse(r);
  CHECK(keys(u) == std::vector<std::string>{"display_name", "email", "id", "username"});
  CHECK(u["id"] == 1);
  CHECK(u["email"] == "a@x.org");
  CHECK(u["username"] == "alice");
  CHECK(u["display_name"].is_null());

  r = c.post("/api/users/register", "",
             {{"email", "b@x.org"}, {"username", "bob"}, {"password", "pw"}, {"display_name", "Bob B"}});
  CHECK(r.status == 201);
  CHECK(parse(r)["id"] == 2);
  CHECK(parse(r)["display_name"] == "Bob B");

  // An optional field that is not a string gets its default.
  r = c.post("/api/users/register", "",
             {{"email", "c@x.org"}, {"username", "carol"}, {"password", "pw"}, {"display_name", 5}});
  CHECK(r.status == 201);
  CHECK(parse(r)["display_name"].is_null());
}

TEST_CASE("chat: register refuses taken emails and usernames (exact match) and incomplete bodies") {
  Chat c;
  REQUIRE(c.post("/api/users/register", "", {{"email", "a@x.org"}, {"username", "alice"}, {"password", "pw"}})
              .status == 201);
  check_error(
      c.post("/api/users/register", "", {{"email", "a@x.org"}, {"username", "other"}, {"password", "pw"}}),
      400, "user already exists");
  check_error(
      c.post("/api/users/register", "", {{"email", "o@x.org"}, {"username", "alice"}, {"password", "pw"}}),
      400, "user already exists");
  CHECK(c.post("/api/users/register", "", {{"email", "A@x.org"}, {"username", "Alice"}, {"password", "pw"}})
            .status == 201);

  const char* bad_bodies[] = {
      R"({"username":"u","password":"p"})",
      R"({"email":"e@x","password":"p"})",
      R"({"email":"e@x","username":"u"})",
      R"({"email":"","username":"u","password":"p"})",
      R"({"email":"e@x","username":7,"password":"p"})",
      R"({"email":"e@x","username":"u","password":null})",
      R"(["e@x","u","p"])",
      "null",
      "not json",
      "",
  };
  for (const char* body : bad_bodies) {
    INFO(body);
    check_error(c.call("POST", "/api/users/register", "", body), 422);
  }
  // 422 comes before the duplicate check.
  check_error(c.post("/api/users/register", "", {{"email", "a@x.org"}, {"username", "alice"}}), 422);
}

TEST_CASE("chat: login issues a fresh opaque token each time, all of them valid") {
  Chat c;
  c.user("alice");
  auto r1 = c.post("/api/users/login", "", {{"email", "alice@example.org"}, {"password", "pw-alice"}});
  auto r2 = c.post("/api/users/login", "", {{"email", "alice@example.org"}, {"password", "pw-alice"}});
  REQUIRE(r1.status == 200);
  Json l1 = parse(r1), l2 = parse(r2);
  CHECK(keys(l1) == std::vector<std::string>{"access_token", "token_type", "user_id"});
  CHECK(l1["token_type"] == "bearer");
  CHECK(l1["user_id"] == 1);
  std::string t1 = l1["access_token"], t2 = l2["access_token"];
  CHECK(std::regex_match(t1, std::regex("tok_[0-9a-f]{32}")));
  CHECK(t1 != t2);
  CHECK(c.get("/api/users/me", t1).status == 200);
  CHECK(c.get("/api/users/me", t2).status == 200);
  CHECK(c.service.authenticate("Bearer " + t1) == 1);

  check_error(c.post("/api/users/login", "", {{"email", "alice@example.org"}, {"password", "wrong"}}), 401);
  check_error(c.post("/api/users/login", "", {{"email", "nobody@example.org"}, {"password", "pw-alice"}}),
              401);
  check_error(c.post("/api/users/login", "", {{"email", "alice@example.org"}}), 422);
  check_error(c.post("/api/users/login", "", {{"password", "pw-alice"}}), 422);
}

TEST_CASE("chat: me answers with the caller; a missing or unknown token is 401") {
  Chat c;
  c.user("alice");
  std::string bob = c.user("bob", "Bob B");
  auto me = c.get("/api/users/me", bob);
  CHECK(me.status == 200);
  CHECK(parse(me) ==
        Json{{"id", 2}, {"email", "bob@example.org"}, {"username", "bob"}, {"display_name", "Bob B"}});
  // The scheme is case-insensitive.
  CHECK(c.service.handle("GET", "/api/users/me", "bearer " + bob, "").status == 200);

  check_error(c.get("/api/users/me", ""), 401, "not authenticated");
  check_error(c.get("/api/users/me", "tok_00000000000000000000000000000000"), 401, "not authenticated");
  check_error(c.service.handle("GET", "/api/users/me", bob, ""), 401, "not authenticated");
  check_error(c.service.handle("GET", "/api/users/me", "Basic " + bob, ""), 401, "not authenticated");
  CHECK(c.service.authenticate("Bearer nope") == 0);
}

TEST_CASE("chat: unknown paths, other methods and trailing slashes are 404, before any token check") {
  Chat c;
  std::string t = c.user("alice");
  const std::pair<const char*, const char*> unknown[] = {
      {"POST", "/"},
      {"GET", "/index.html"},
      {"POST", "/api/lobby"},
      {"GET", "/api/lobby/"},
      {"DELETE", "/api/lobby/stats"},
      {"GET", "/api/users"},
      {"GET", "/api/users/me/"},
      {"DELETE", "/api/users/me"},
      {"GET", "/api/users/register"},
      {"GET", "/api/users/login"},
      {"POST", "/api/users/search"},
      {"PUT", "/api/chat/rooms"},
      {"GET", "/api/chat/rooms/"},
      {"GET", "/api/chat/rooms/abc/messages"},
      {"GET", "/api/chat/rooms/1x/messages"},
      {"GET", "/api/chat/rooms/-1/messages"},
      {"GET", "/api/chat/rooms//messages"},
      {"GET", "/api/chat/rooms/messages"},
      {"GET", "/api/chat/rooms/1/messages/"},
      {"DELETE", "/api/chat/rooms/1/messages"},
      {"GET", "/api/friends/requests"},
      {"GET", "/api/friends/requests/1/accept"},
      {"POST", "/api/friends/requests/x/accept"},
      {"POST", "/api/friends/requests/accept"},
      {"POST", "/api/friends/requests/1/accept/"},
  };
  for (auto [method, target] : unknown) {
    INFO(method << " " << target);
    check_error(c.call(method, target, t, "{}"), 404, "not found");
    check_error(c.call(method, target, "", "{}"), 404, "not found");
  }
}

TEST_CASE("chat: checks run route, token, body, object, rule") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  // Unknown room, no token: 401 (the route exists).
  check_error(c.post("/api/chat/rooms/99/messages", "", {{"content", "hi"}}), 401);
  // Unknown room, bad body: 422 before the room is looked up.
  check_error(c.post("/api/chat/rooms/99/messages", alice, {{"content", ""}}), 422);
  check_error(c.call("POST", "/api/chat/rooms/99/messages", alice, "{"), 422);
  // Good body, unknown room: 404 with its own detail.
  check_error(c.post("/api/chat/rooms/99/messages", alice, {{"content", "hi"}}), 404, "room not found");
  // Listing: a bad limit before the unknown room.
  check_error(c.get("/api/chat/rooms/99/messages?limit=0", alice), 422);
  check_error(c.get("/api/chat/rooms/99/messages?limit=5", alice), 404, "room not found");
  check_error(c.get("/api/chat/rooms/99/messages", ""), 401);
  // Friends: 401, 422, 400.
  check_error(c.post("/api/friends/requests", "", {{"addressee_id", 2}}), 401);
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", "2"}}), 422);
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 99}}), 400);
  // Accept: 401, 404, 403, 400.
  check_error(c.call("POST", "/api/friends/requests/1/accept", ""), 401);
  check_error(c.call("POST", "/api/friends/requests/1/accept", bob), 404);
  REQUIRE(c.post("/api/friends/requests", alice, {{"addressee_id", 2}}).status == 200);
  check_error(c.call("POST", "/api/friends/requests/1/accept", ""), 401);
  check_error(c.call("POST", "/api/friends/requests/1/accept", alice), 403);
  CHECK(c.call("POST", "/api/friends/requests/1/accept", bob).status == 200);
  check_error(c.call("POST", "/api/friends/requests/1/accept", bob), 400);
  check_error(c.call("POST", "/api/friends/requests/1/accept", alice), 403);
}

TEST_CASE("chat: rooms are created with defaults and listed by id") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  CHECK(parse(c.get("/api/chat/rooms", alice)) == Json::array());
  auto r = c.post("/api/chat/rooms", alice, {{"name", "general"}});
  CHECK(r.status == 201);
  CHECK(parse(r) == Json{{"id", 1}, {"name", "general"}, {"room_type", "group"}, {"created_by", 1}});
  r = c.post("/api/chat/rooms", bob, {{"name", "dm"}, {"room_type", "direct"}});
  CHECK(parse(r) == Json{{"id", 2}, {"name", "dm"}, {"room_type", "direct"}, {"created_by", 2}});
  r = c.post("/api/chat/rooms", bob, {{"name", "third"}, {"room_type", nullptr}});
  CHECK(parse(r)["room_type"] == "group");
  r = c.post("/api/chat/rooms", bob, {{"name", "fourth"}, {"room_type", 3}});
  CHECK(parse(r)["room_type"] == "group");

  check_error(c.post("/api/chat/rooms", alice, Json::object()), 422);
  check_error(c.post("/api/chat/rooms", alice, {{"name", ""}}), 422);
  check_error(c.post("/api/chat/rooms", alice, {{"name", 1}}), 422);
  check_error(c.post("/api/chat/rooms", "", {{"name", "x"}}), 401);

  auto list = parse(c.get("/api/chat/rooms", bob));
  CHECK(ids(list) == std::vector<int>{1, 2, 3, 4});
  CHECK(list[1] == Json{{"id", 2}, {"name", "dm"}, {"room_type", "direct"}, {"created_by", 2}});
  check_error(c.get("/api/chat/rooms", ""), 401);
}

TEST_CASE("chat: messages have global ids, defaults and UTC timestamps") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  c.post("/api/chat/rooms", alice, {{"name", "one"}});
  c.post("/api/chat/rooms", alice, {{"name", "two"}});
  auto r = c.post("/api/chat/rooms/1/messages", bob, {{"content", "hello"}});
  CHECK(r.status == 200);
  Json m = parse(r);
  CHECK(keys(m) == std::vector<std::string>{"content", "created_at", "message_id", "message_type", "room_id",
                                            "sender_id"});
  CHECK(m["message_id"] == 1);
  CHECK(m["room_id"] == 1);
  CHECK(m["sender_id"] == 2);
  CHECK(m["content"] == "hello");
  CHECK(m["message_type"] == "text");
  CHECK(std::regex_match(m["created_at"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00))")));

  CHECK(parse(c.post("/api/chat/rooms/2/messages", alice,
                     {{"content", "x"}, {"message_type", "image"}}))["message_id"] == 2);
  CHECK(parse(c.post("/api/chat/rooms/1/messages", alice,
                     {{"content", "y"}, {"message_type", nullptr}}))["message_id"] == 3);

  auto one = parse(c.get("/api/chat/rooms/1/messages", bob));
  CHECK(keys(one) == std::vector<std::string>{"messages", "room_id"});
  CHECK(one["room_id"] == 1);
  CHECK(ids(one["messages"], "message_id") == std::vector<int>{1, 3});
  CHECK(one["messages"][0] == m);
  CHECK(one["messages"][1]["message_type"] == "text");
  auto two = parse(c.get("/api/chat/rooms/2/messages", bob));
  REQUIRE(two["messages"].size() == 1);
  CHECK(two["messages"][0]["message_type"] == "image");

  check_error(c.post("/api/chat/rooms/1/messages", alice, Json::object()), 422);
  check_error(c.post("/api/chat/rooms/1/messages", alice, {{"content", 5}}), 422);
}

TEST_CASE("chat: listing returns the last N messages oldest first, 50 by default, 100 at most") {
  Chat c;
  std::string alice = c.user("alice");
  c.post("/api/chat/rooms", alice, {{"name", "busy"}});
  for (int i = 1; i <= 105; ++i)
    REQUIRE(c.post("/api/chat/rooms/1/messages", alice, {{"content", std::to_string(i)}}).status == 200);
  auto range = [](int from, int to) {
    std::vector<int> v;
    for (int i = from; i <= to; ++i) v.push_back(i);
    return v;
  };
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages", alice))["messages"], "message_id") == range(56, 105));
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages?limit=3", alice))["messages"], "message_id") ==
        range(103, 105));
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages?x=1&limit=1", alice))["messages"], "message_id") ==
        range(105, 105));
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages?limit=100", alice))["messages"], "message_id") ==
        range(6, 105));
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages?limit=101", alice))["messages"], "message_id") ==
        range(6, 105));
  CHECK(ids(parse(c.get("/api/chat/rooms/1/messages?limit=5000", alice))["messages"], "message_id") ==
        range(6, 105));
  for (const char* bad : {"limit=0", "limit=-1", "limit=abc", "limit=", "limit", "limit=2.5", "limit=3x"}) {
    INFO(bad);
    std::string target = "/api/chat/rooms/1/messages?";
    target += bad;
    check_error(c.get(target, alice), 422);
  }
  c.post("/api/chat/rooms", alice, {{"name", "quiet"}});
  CHECK(parse(c.get("/api/chat/rooms/2/messages?limit=10", alice)) ==
        Json{{"room_id", 2}, {"messages", Json::array()}});
}

TEST_CASE("chat: search matches username, email or display name without case, by id, 20 at most") {
  Chat c;
  std::string alice = c.user("alice", "Alice Liddell");
  c.user("bob");
  c.user("carol", "Caroline");
  c.post("/api/users/register", "", {{"email", "dave@other.net"}, {"username", "dave"}, {"password", "pw"}});

  auto names = [&](const std::string& target) {
    auto r = c.get(target, alice);
    REQUIRE(r.status == 200);
    std::vector<std::string> out;
    for (const auto& u : parse(r)) {
      CHECK(keys(u) == std::vector<std::string>{"display_name", "email", "id", "username"});
      out.push_back(u["username"]);
    }
    return out;
  };
  using Names = std::vector<std::string>;
  CHECK(names("/api/users/search?q=ALI") == Names{"alice"});
  CHECK(names("/api/users/search?q=lidd") == Names{"alice"});                         // display name
  CHECK(names("/api/users/search?q=line") == Names{"carol"});                         // display name
  CHECK(names("/api/users/search?q=EXAMPLE.org") == Names{"alice", "bob", "carol"});  // email
  CHECK(names("/api/users/search?q=%40other") == Names{"dave"});                      // URL-decoded "@other"
  CHECK(names("/api/users/search?q=D") == Names{"alice", "dave"});  // display name or username, by id
  CHECK(names("/api/users/search?q=zzz").empty());
  CHECK(names("/api/users/search") == Names{"alice", "bob", "carol", "dave"});
  CHECK(names("/api/users/search?q=") == Names{"alice", "bob", "carol", "dave"});
  check_error(c.get("/api/users/search?q=a", ""), 401);

  for (int i = 0; i < 25; ++i) c.user("user" + std::to_string(i));
  auto r = parse(c.get("/api/users/search", alice));
  std::vector<int> first20;
  for (int i = 1; i <= 20; ++i) first20.push_back(i);
  CHECK(ids(r) == first20);
  auto users = parse(c.get("/api/users/search?q=user", alice));
  REQUIRE(users.size() == 20);
  CHECK(users[0]["username"] == "user0");
  CHECK(users[19]["username"] == "user19");
}

TEST_CASE("chat: friend requests between two users happen once, in either direction") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  std::string carol = c.user("carol");
  auto r = c.post("/api/friends/requests", alice, {{"addressee_id", 2}});
  CHECK(r.status == 200);
  CHECK(parse(r) == Json{{"id", 1}, {"requester_id", 1}, {"addressee_id", 2}, {"status", "pending"}});
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 2}}), 400);
  check_error(c.post("/api/friends/requests", bob, {{"addressee_id", 1}}), 400);
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 1}}), 400);  // oneself
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 0}}), 400);
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", -3}}), 400);
  for (const char* body : {R"({})", R"({"addressee_id":null})", R"({"addressee_id":"3"})",
                           R"({"addressee_id":3.0})", R"({"addressee_id":true})", R"([3])"}) {
    INFO(body);
    check_error(c.call("POST", "/api/friends/requests", alice, body), 422);
  }

  r = c.post("/api/friends/requests", carol, {{"addressee_id", 1}});
  CHECK(parse(r) == Json{{"id", 2}, {"requester_id", 3}, {"addressee_id", 1}, {"status", "pending"}});
  auto accepted = c.call("POST", "/api/friends/requests/2/accept", alice);
  CHECK(accepted.status == 200);
  CHECK(parse(accepted) == Json{{"id", 2}, {"requester_id", 3}, {"addressee_id", 1}, {"status", "accepted"}});
  // Any status blocks a new request.
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 3}}), 400);
  check_error(c.post("/api/friends/requests", carol, {{"addressee_id", 1}}), 400);
}

TEST_CASE("chat: events reach every stream of the users concerned, framed as SSE") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  std::string carol = c.user("carol");
  Stream alice_s, bob_s1, bob_s2, carol_s;
  c.service.subscribe(1, alice_s.listener());
  int bob_sub1 = c.service.subscribe(2, bob_s1.listener());
  c.service.subscribe(2, bob_s2.listener());
  c.service.subscribe(3, carol_s.listener());

  SECTION("messages go to every member, the sender (who joins by posting) included") {
    c.post("/api/chat/rooms", alice, {{"name", "r"}});
    auto m1 = c.post("/api/chat/rooms/1/messages", alice, {{"content", "first"}});
    CHECK(alice_s.frames == std::vector<std::string>{frame("message", m1.body)});
    CHECK(bob_s1.frames.empty());
    auto m2 = c.post("/api/chat/rooms/1/messages", bob, {{"content", "bob joins"}});
    auto m3 = c.post("/api/chat/rooms/1/messages", alice, {{"content", "welcome"}});
    CHECK(alice_s.frames == std::vector<std::string>{frame("message", m1.body), frame("message", m2.body),
                                                     frame("message", m3.body)});
    CHECK(bob_s1.frames == std::vector<std::string>{frame("message", m2.body), frame("message", m3.body)});
    CHECK(bob_s2.frames == bob_s1.frames);
    CHECK(carol_s.frames.empty());
    // The data line is the message object, compact on one line.
    REQUIRE_FALSE(bob_s1.frames.empty());
    CHECK(bob_s1.frames[0].find('\n') == std::string("event: message").size());
  }

  SECTION("a friend request goes to the addressee, its acceptance to the requester") {
    auto req = c.post("/api/friends/requests", alice, {{"addressee_id", 2}});
    CHECK(bob_s1.frames == std::vector<std::string>{frame("friend_request", req.body)});
    CHECK(bob_s2.frames == bob_s1.frames);
    CHECK(alice_s.frames.empty());
    CHECK(carol_s.frames.empty());
    auto acc = c.call("POST", "/api/friends/requests/1/accept", bob);
    CHECK(alice_s.frames == std::vector<std::string>{frame("friend_accepted", acc.body)});
    CHECK(bob_s1.frames.size() == 1);
    CHECK(Json::parse(acc.body)["status"] == "accepted");
  }

  SECTION("failed calls publish nothing") {
    c.post("/api/friends/requests", alice, {{"addressee_id", 1}});
    c.post("/api/chat/rooms/9/messages", alice, {{"content", "x"}});
    c.call("POST", "/api/friends/requests/1/accept", bob);
    CHECK(alice_s.frames.empty());
    CHECK(bob_s1.frames.empty());
  }

  SECTION("unsubscribe stops that stream only") {
    c.service.unsubscribe(2, bob_sub1);
    c.service.unsubscribe(2, 12345);  // unknown: no effect
    auto req = c.post("/api/friends/requests", alice, {{"addressee_id", 2}});
    CHECK(bob_s1.frames.empty());
    CHECK(bob_s2.frames == std::vector<std::string>{frame("friend_request", req.body)});
  }
}

TEST_CASE("chat: only GET /api/notifications/stream is the stream, GET /api/lobby/stream the lobby's") {
  CHECK(ChatService::is_lobby_stream("GET", "/api/lobby/stream"));
  CHECK(ChatService::is_lobby_stream("GET", "/api/lobby/stream?x=1"));
  CHECK_FALSE(ChatService::is_lobby_stream("POST", "/api/lobby/stream"));
  CHECK_FALSE(ChatService::is_lobby_stream("GET", "/api/notifications/stream"));
  CHECK_FALSE(ChatService::is_stream("GET", "/api/lobby/stream"));
  CHECK(ChatService::is_stream("GET", "/api/notifications/stream"));
  CHECK(ChatService::is_stream("GET", "/api/notifications/stream?x=1"));
  CHECK_FALSE(ChatService::is_stream("POST", "/api/notifications/stream"));
  CHECK_FALSE(ChatService::is_stream("GET", "/api/notifications/stream/"));
  CHECK_FALSE(ChatService::is_stream("GET", "/api/notifications"));
}

// Regression: addressee_id was once read as an int, so 4294967298 (2^32 + 2) became user 2.
TEST_CASE("chat: an addressee id beyond int range is an unknown user, not another user") {
  Chat c;
  std::string alice = c.user("alice");
  c.user("bob");
  check_error(c.post("/api/friends/requests", alice, {{"addressee_id", 4294967298LL}}), 400);
}

// Regression: a limit too big for an int was once refused; the contract says N > 100 means 100.
TEST_CASE("chat: a huge limit is treated as 100") {
  Chat c;
  std::string alice = c.user("alice");
  c.post("/api/chat/rooms", alice, {{"name", "r"}});
  c.post("/api/chat/rooms/1/messages", alice, {{"content", "x"}});
  auto r = c.get("/api/chat/rooms/1/messages?limit=99999999999", alice);
  CHECK(r.status == 200);
}

// Regression: id 0 was once an unknown path (404 before the token check). Only a non-decimal
// {id} is an unknown path; 0 is an unknown object, after the token check, as in the Python app.
TEST_CASE("chat: room and request id 0 are unknown objects, not unknown paths") {
  Chat c;
  std::string alice = c.user("alice");
  check_error(c.post("/api/chat/rooms/0/messages", "", {{"content", "x"}}), 401);
  check_error(c.post("/api/chat/rooms/0/messages", alice, {{"content", "x"}}), 404, "room not found");
  check_error(c.get("/api/chat/rooms/0/messages", alice), 404, "room not found");
  check_error(c.get("/api/chat/rooms/99999999999/messages", alice), 404, "room not found");
  check_error(c.call("POST", "/api/friends/requests/0/accept", ""), 401);
  check_error(c.call("POST", "/api/friends/requests/0/accept", alice), 404, "friend request not found");
}

TEST_CASE("chat: a notification stream without a valid token is refused by the service with 401") {
  Chat c;
  check_error(c.get("/api/notifications/stream", ""), 401, "not authenticated");
  check_error(c.get("/api/notifications/stream", "tok_nope"), 401, "not authenticated");
}

TEST_CASE("lobby: GET / is an HTML page that needs no token and is counted") {
  Chat c;
  auto page = c.call("GET", "/");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.rfind("<!doctype html>", 0) == 0);
  // What the browser test relies on: the anonymous stream, the calls on the page's origin, the title.
  CHECK(page.body.find("new EventSource(\"/api/lobby/stream\")") != std::string::npos);
  CHECK(page.body.find("getJson(\"/api/lobby\")") != std::string::npos);
  CHECK(page.body.find("document.title = \"ready\"") != std::string::npos);
  CHECK(page.body.find("http") == std::string::npos);  // relative URLs only
  CHECK(c.call("GET", "/?from=test", "Bearer tok_nope").status == 200);
  CHECK(parse(c.get("/api/lobby/stats", ""))["page_loads"] == 2);
}

TEST_CASE("lobby: the figures are public and count rooms, users and users with a stream open") {
  Chat c;
  std::string alice = c.user("alice");
  c.user("bob");
  c.user("carol");
  c.post("/api/chat/rooms", alice, {{"name", "r1"}});
  c.post("/api/chat/rooms", alice, {{"name", "r2"}, {"room_type", "direct"}});
  Stream s;
  int a1 = c.service.subscribe(1, s.listener());
  int a2 = c.service.subscribe(1, s.listener());
  int b = c.service.subscribe(2, s.listener());
  int l = c.service.subscribe(ChatService::lobby, s.listener());
  auto r = c.get("/api/lobby", "");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"rooms":2,"users":3,"online":2})");
  CHECK(c.get("/api/lobby", "tok_nope").status == 200);  // a token is not looked at
  c.service.unsubscribe(1, a1);
  c.service.unsubscribe(2, b);
  CHECK(parse(c.get("/api/lobby", ""))["online"] == 1);
  c.service.unsubscribe(1, a2);
  c.service.unsubscribe(ChatService::lobby, l);
  CHECK(parse(c.get("/api/lobby", ""))["online"] == 0);

  auto rooms = c.get("/api/lobby/rooms", "");
  CHECK(rooms.status == 200);
  CHECK(rooms.body == c.get("/api/chat/rooms", alice).body);
}

TEST_CASE("lobby: the stats count page loads, lobby calls and lobby streams opened and open") {
  Chat c;
  CHECK(c.get("/api/lobby/stats", "").body ==
        R"({"page_loads":0,"lobby_calls":0,"lobby_streams":0,"lobby_streams_open":0})");
  c.call("GET", "/");
  c.get("/api/lobby", "");
  c.get("/api/lobby/rooms", "");
  c.get("/api/lobby", "");
  Stream s;
  int first = c.service.subscribe(ChatService::lobby, s.listener());
  c.service.subscribe(ChatService::lobby, s.listener());
  c.service.unsubscribe(ChatService::lobby, first);
  c.user("alice");
  c.service.subscribe(1, s.listener());  // a user's stream is not the lobby's
  CHECK(c.get("/api/lobby/stats", "").body ==
        R"({"page_loads":1,"lobby_calls":3,"lobby_streams":2,"lobby_streams_open":1})");
}

TEST_CASE("lobby: its streams open with welcome and hear of new rooms, nothing else") {
  Chat c;
  std::string alice = c.user("alice");
  std::string bob = c.user("bob");
  Stream lobby, alice_s;
  c.service.subscribe(ChatService::lobby, lobby.listener());
  c.service.subscribe(1, alice_s.listener());
  CHECK(c.service.greeting(ChatService::lobby) == frame("welcome", R"({"rooms":0,"users":2,"online":1})"));
  CHECK(c.service.greeting(1) == frame("connected", R"({"user_id":1})"));
  auto room = c.post("/api/chat/rooms", alice, {{"name", "general"}});
  c.post("/api/chat/rooms", alice, Json::object());  // refused: no event
  c.post("/api/chat/rooms/1/messages", alice, {{"content", "hi"}});
  c.post("/api/friends/requests", alice, {{"addressee_id", 2}});
  c.call("POST", "/api/friends/requests/1/accept", bob);
  CHECK(lobby.frames == std::vector<std::string>{frame("room", room.body)});
  CHECK(alice_s.frames.size() == 2);  // the message and the acceptance, no room event
}
