#include "replay/Users.hpp"

#include <catch2/catch.hpp>
#include <deque>

#include "replay/Correlation.hpp"

using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::replay::Connections;

namespace {

// Exchanges live in a deque so that Connections' pointers stay valid as the test adds more.
struct Capture {
  std::deque<Exchange> all;
  Connections connections;

  void add(const std::string& session, int64_t t_us, std::string target, HeaderList headers = {},
           std::string answer = "") {
    from("", session, t_us, 0, std::move(target), std::move(headers), std::move(answer));
  }

  // A request from the client at `client` on connection `session`, answered `dur_us` after it began.
  void from(const std::string& client, const std::string& session, int64_t t_us, int64_t dur_us,
            std::string target, HeaderList headers = {}, std::string answer = "") {
    Exchange x;
    x.session = session;
    x.client = client;
    x.t_us = t_us;
    x.req.method = "GET";
    x.req.target = std::move(target);
    x.req.headers = std::move(headers);
    x.res.emplace();
    x.res->status = 200;
    x.res->headers = {{"Content-Type", "application/json"}};
    x.res->body.data = std::move(answer);
    x.res->body.size = x.res->body.data.size();
    x.res->dur_us = dur_us;
    all.push_back(std::move(x));
    connections[session].push_back(&all.back());
  }

  std::vector<reprise::replay::UserGroup> groups() const {
    reprise::replay::AutomaticHandouts handouts;
    for (const auto& x : all) handouts.add(x);
    return reprise::replay::group_users(connections, handouts);
  }
};

// Every user's connection keys, whatever its group.
std::vector<std::vector<std::string>> users_of(const std::vector<reprise::replay::UserGroup>& groups) {
  std::vector<std::vector<std::string>> out;
  for (const auto& g : groups) out.insert(out.end(), g.users.begin(), g.users.end());
  return out;
}

using Users = std::vector<std::vector<std::string>>;

// A group's connection keys, user by user.
std::vector<std::string> keys(const reprise::replay::UserGroup& g) {
  std::vector<std::string> out;
  for (const auto& user : g.users) out.insert(out.end(), user.begin(), user.end());
  return out;
}

}  // namespace

TEST_CASE("users: a token handed out on one connection and carried on another joins them",
          "[replay][users]") {
  Capture c;
  c.add("login", 0, "/login", {}, R"({"access_token":"{{redacted:4}}"})");
  c.add("stream", 100, "/stream", {{"Authorization", "Bearer {{redacted:4}}"}});
  c.add("other", 50, "/me", {{"Authorization", "Bearer {{redacted:9}}"}});
  auto groups = c.groups();
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].users == std::vector<std::vector<std::string>>{{"login", "stream"}});
  CHECK(keys(groups[1]) == std::vector<std::string>{"other"});
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
  auto groups = c.groups();
  std::map<std::string, size_t> group_of;
  for (size_t g = 0; g < groups.size(); ++g)
    for (const auto& key : keys(groups[g])) group_of[key] = g;
  CHECK(group_of["a"] == group_of["b"]);
  CHECK(group_of["a"] == group_of["e"]);
  CHECK(group_of["a"] != group_of["c"]);
  CHECK(group_of["a"] != group_of["d"]);
  CHECK(group_of["a"] != group_of["f"]);
  CHECK(groups.size() == 4);
  CHECK(keys(groups[group_of["a"]]).front() == "a");  // in order of first request
}

TEST_CASE("users: every connection is in exactly one group, chains join transitively", "[replay][users]") {
  Capture c;
  c.add("one", 0, "/a", {}, R"({"t":"token-one-1"})");
  c.add("two", 10, "/b", {{"Authorization", "Bearer token-one-1"}}, R"({"t":"token-two-2"})");
  c.add("three", 20, "/c", {{"Authorization", "Bearer token-two-2"}});
  c.add("alone", 30, "/d");
  auto groups = c.groups();
  REQUIRE(groups.size() == 2);
  CHECK(keys(groups[0]) == std::vector<std::string>{"one", "two", "three"});
  CHECK(groups[0].users.size() == 1);
  CHECK(keys(groups[1]) == std::vector<std::string>{"alone"});
}

TEST_CASE("users: one user acting on what another's answer handed out joins them in a group",
          "[replay][users]") {
  Capture c;
  // alice and carol log in; carol's friend request answer hands out request 2; alice accepts it.
  c.add("alice", 0, "/login", {}, R"({"access_token":"tok-alice-1","user_id":1})");
  c.add("carol", 10, "/login", {}, R"({"access_token":"tok-carol-3","user_id":3})");
  c.add("alice", 20, "/api/chat/rooms/1/messages", {{"Authorization", "Bearer tok-alice-1"}},
        R"({"message_id":2,"room_id":1})");  // alice's own answer hands out a 2 too, under another key
  c.add("carol", 30, "/api/friends/requests", {{"Authorization", "Bearer tok-carol-3"}},
        R"({"id":2,"requester_id":3,"addressee_id":1})");
  c.add("alice", 40, "/api/friends/requests/2/accept", {{"Authorization", "Bearer tok-alice-1"}});
  // dave only reads room 1, which nobody's answer named a room: a 1 under another key is no link
  c.add("dave", 50, "/login", {}, R"({"access_token":"tok-dave-44","user_id":4})");
  c.add("dave", 60, "/api/chat/rooms/1/messages", {{"Authorization", "Bearer tok-dave-44"}});
  auto groups = c.groups();
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].users == std::vector<std::vector<std::string>>{{"alice"}, {"carol"}});
  CHECK(groups[1].users == std::vector<std::vector<std::string>>{{"dave"}});
}

TEST_CASE("users: an id joins two users only where it fits the place better than the user's own",
          "[replay][users]") {
  Capture c;
  c.add("a", 0, "/login", {}, R"({"access_token":"tok-aaaa-1","id":7})");            // a's own id is 7
  c.add("b", 10, "/api/rooms", {}, R"({"id":7})");                                   // b made room 7
  c.add("a", 20, "/api/users/7/profile", {{"Authorization", "Bearer tok-aaaa-1"}});  // "users" ≠ "rooms"
  c.add("a", 30, "/api/rooms/7/join", {{"Authorization", "Bearer tok-aaaa-1"}});     // room 7: b's
  auto groups = c.groups();
  REQUIRE(groups.size() == 1);  // the room joins them: a carries b's room id where a room id stands
  CHECK(groups[0].users.size() == 2);
}

TEST_CASE("users: an id many answers hand out still links the one user whose answer fits the place",
          "[replay][users]") {
  Capture c;
  std::string rooms = "[";
  for (int r = 1; r <= 10; ++r)
    rooms.append(r > 1 ? "," : "").append(R"({"id":)").append(std::to_string(r)).append("}");
  rooms += "]";
  for (int u = 0; u < 80; ++u)  // every user lists rooms 1..10: the 3 below is theirs too, at a worse fit
    c.add(std::string("u").append(std::to_string(u)), u, "/api/chat/rooms", {}, rooms);
  c.add("a", 100, "/api/friends/requests", {}, R"({"id":3})");
  c.add("b", 200, "/api/friends/requests/3/accept");
  c.add("c", 300, "/api/chat/rooms/3/messages");  // room 3: 80 users listed it, none made it: no link
  auto groups = c.groups();
  std::map<std::string, size_t> group_of;
  for (size_t g = 0; g < groups.size(); ++g)
    for (const auto& key : keys(groups[g])) group_of[key] = g;
  CHECK(group_of["a"] == group_of["b"]);
  CHECK(groups[group_of["a"]].users.size() == 2);
  CHECK(groups[group_of["c"]].users.size() == 1);
}

TEST_CASE("users: an anonymous page, its event stream and its fetch calls from one client are one user",
          "[replay][users]") {
  Capture c;
  c.from("10.0.0.1", "page", 0, 5, "/");
  c.from("10.0.0.1", "page", 10, 5, "/app.js");
  c.from("10.0.0.1", "stream", 200'000, 5'000'000, "/api/lobby/stream");  // once the script ran
  c.from("10.0.0.1", "fetch", 300'000, 10, "/api/rooms");
  c.from("10.0.0.1", "page", 400'000, 5, "/api/lobby");
  CHECK(users_of(c.groups()) == Users{{"page", "stream", "fetch"}});
}

TEST_CASE("users: two anonymous browsers at different addresses are two users", "[replay][users]") {
  Capture c;
  c.from("10.0.0.1", "page-a", 0, 5, "/");
  c.from("10.0.0.2", "page-b", 3, 5, "/");
  c.from("10.0.0.1", "stream-a", 20, 5000, "/api/lobby/stream");
  c.from("10.0.0.2", "stream-b", 23, 5000, "/api/lobby/stream");
  c.from("10.0.0.1", "page-a", 100, 5, "/api/lobby");
  c.from("10.0.0.2", "page-b", 103, 5, "/api/lobby");
  CHECK(users_of(c.groups()) == Users{{"page-a", "stream-a"}, {"page-b", "stream-b"}});
}

TEST_CASE("users: two anonymous browsers at one address at the same time are not merged", "[replay][users]") {
  Capture c;
  c.from("10.0.0.1", "page-a", 0, 5, "/");
  c.from("10.0.0.1", "page-b", 3, 5, "/");  // begins as page-a did: another page load, not page-a's
  c.from("10.0.0.1", "stream-a", 20, 5000, "/api/lobby/stream");  // two users open: no guessing
  c.from("10.0.0.1", "stream-b", 23, 5000, "/api/lobby/stream");
  c.from("10.0.0.1", "page-a", 100, 5, "/api/lobby");
  c.from("10.0.0.1", "page-b", 103, 5, "/api/lobby");
  CHECK(users_of(c.groups()) == Users{{"page-a"}, {"page-b"}, {"stream-a"}, {"stream-b"}});
}

TEST_CASE("users: one address, one browser after the other: two users", "[replay][users]") {
  Capture c;
  c.from("10.0.0.1", "page-a", 0, 5, "/");
  c.from("10.0.0.1", "stream-a", 20, 1000, "/api/lobby/stream");
  c.from("10.0.0.1", "page-b", 2'000'000, 5, "/");  // two seconds after stream-a ended (at 1020)
  c.from("10.0.0.1", "stream-b", 2'000'020, 1000, "/api/lobby/stream");
  CHECK(users_of(c.groups()) == Users{{"page-a", "stream-a"}, {"page-b", "stream-b"}});
}

TEST_CASE("users: without client addresses (older captures) time joins nothing", "[replay][users]") {
  Capture c;
  c.from("", "page", 0, 5, "/");
  c.from("", "stream", 20, 5000, "/api/lobby/stream");
  CHECK(users_of(c.groups()) == Users{{"page"}, {"stream"}});
}

TEST_CASE("users: one cookie value of 8 characters or more on two connections is one user",
          "[replay][users]") {
  Capture c;
  c.add("a", 0, "/", {{"Cookie", "theme=dark; sid=s3ss10n-abc"}});
  c.add("b", 10, "/events", {{"Cookie", "sid=s3ss10n-abc ;theme=dark"}});  // handed out by no answer
  c.add("c", 20, "/", {{"Cookie", "theme=dark"}});                         // 4 characters: no link
  c.from("10.0.0.7", "d", 30, 0, "/", {{"Cookie", "consent=accepted-all"}});
  // The same value from two addresses: a site's setting (a consent), not one browser's.
  c.from("10.0.0.8", "e", 40, 0, "/", {{"Cookie", "consent=accepted-all"}});
  CHECK(users_of(c.groups()) == Users{{"a", "b"}, {"c"}, {"d"}, {"e"}});
}

TEST_CASE(
    "users: users with credentials of their own stay as they are, and anonymous ones beside them are not "
    "guessed",
    "[replay][users]") {
  Capture c;
  // Two users at one address, each logging in on one connection and streaming on another.
  c.from("127.0.0.1", "alice", 0, 5, "/login", {}, R"({"access_token":"tok-alice-1"})");
  c.from("127.0.0.1", "bob", 2, 5, "/login", {}, R"({"access_token":"tok-bob-22"})");
  c.from("127.0.0.1", "alice-stream", 10, 900, "/stream", {{"Authorization", "Bearer tok-alice-1"}});
  c.from("127.0.0.1", "bob-stream", 12, 900, "/stream", {{"Authorization", "Bearer tok-bob-22"}});
  c.from("127.0.0.1", "health", 50, 1, "/health");  // anonymous, while both are open: left alone
  // Seconds later, a token from before the recording: its own credential, never joined by time;
  // the anonymous page beside it (the one user open) joins it.
  c.from("127.0.0.1", "carol", 3'000'000, 5, "/me", {{"Authorization", "Bearer tok-carol-333"}});
  c.from("127.0.0.1", "page", 3'000'001, 50, "/");
  c.from("127.0.0.1", "keyed", 6'000'000, 5, "/data?api_key=k3y-k3y-k3y");  // a credential in the query
  auto users = users_of(c.groups());
  CHECK(users ==
        Users{{"alice", "alice-stream"}, {"bob", "bob-stream"}, {"health"}, {"carol", "page"}, {"keyed"}});
}

TEST_CASE("users: a HAR's page load is one user, each of its connections a flow", "[replay][users]") {
  Capture c;
  c.add("page_1/11", 0, "/");
  c.add("page_1/12/sse-3", 5, "/api/lobby/stream");
  c.add("page_1/11", 10, "/api/lobby");
  c.add("page_2/11", 3000, "/");  // the next page load reuses connection 11: another user
  for (auto& x : c.all) x.page = x.session.substr(0, 6);
  auto users = users_of(c.groups());
  CHECK(users == Users{{"page_1/11", "page_1/12/sse-3"}, {"page_2/11"}});
}

TEST_CASE("users: a cookie clients at two addresses carry is no credential: it keeps no page from its stream",
          "[replay][users]") {
  Capture c;
  const HeaderList consent = {{"Cookie", "consent=accepted-all"}};
  c.from("10.0.0.1", "page", 0, 5, "/", consent);
  c.from("10.0.0.1", "stream", 200'000, 5'000'000, "/api/lobby/stream", consent);
  c.from("10.0.0.2", "other", 9'000'000, 5, "/", consent);
  CHECK(users_of(c.groups()) == Users{{"page", "stream"}, {"other"}});
}
