// The deliberate regressions (--regression) and the noise field (--noise-field) of the chat
// service: each kind changes its one thing on its one route and nothing else.
#include "demo/Regression.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "demo/ChatConversation.hpp"

using namespace reprise::test;
using reprise::demo::Regression;
using reprise::demo::regression_from_name;
using reprise::demo::regression_names;
using reprise::demo::Regressions;

namespace {

// `text` with every message's timestamp the same: two walks run in different milliseconds.
std::string timeless(const std::string& text) {
  static const std::regex created_at("\"created_at\":\"[^\"]*\"");
  return std::regex_replace(text, created_at, "\"created_at\":\"T\"");
}

// One answer of the walk below, named by the call that got it.
struct Seen {
  std::string call;
  int status;
  std::string body;
};

// The demo's kinds of calls, once each (and a failing one on each regressed route), with
// everything a stream of Bob's and a lobby stream received. No answer kept holds a token.
struct Walk {
  std::vector<Seen> answers;
  Stream bob_stream, lobby_stream;
  std::string bob_greeting, lobby_greeting;

  explicit Walk(ChatOptions options = {}) {
    Chat c(std::move(options));
    std::string alice = c.user("alice"), bob = c.user("bob");
    c.service.subscribe(2, bob_stream.listener());
    c.service.subscribe(ChatService::lobby, lobby_stream.listener());
    bob_greeting = c.service.greeting(2);
    lobby_greeting = c.service.greeting(ChatService::lobby);
    keep("me", c.get("/api/users/me", alice));
    keep("search", c.get("/api/users/search?q=bob", alice));
    keep("create room", c.post("/api/chat/rooms", alice, {{"name", "r"}}));
    keep("create room without a name", c.post("/api/chat/rooms", alice, Json::object()));
    keep("rooms", c.get("/api/chat/rooms", alice));
    keep("bob posts", c.post("/api/chat/rooms/1/messages", bob, {{"content", "hi"}}));
    keep("alice posts", c.post("/api/chat/rooms/1/messages", alice, {{"content", "hello"}}));
    keep("post to no room", c.post("/api/chat/rooms/9/messages", alice, {{"content", "x"}}));
    keep("messages", c.get("/api/chat/rooms/1/messages?limit=50", alice));
    keep("messages of no room", c.get("/api/chat/rooms/9/messages", alice));
    keep("friend request", c.post("/api/friends/requests", alice, {{"addressee_id", 2}}));
    keep("accept", c.call("POST", "/api/friends/requests/1/accept", bob));
    keep("lobby", c.get("/api/lobby", ""));
    keep("no token", c.get("/api/users/me", ""));
  }

  void keep(const std::string& call, const ChatResponse& r) {
    answers.push_back({call, r.status, timeless(r.body)});
  }

  // Bob's events, timeless.
  std::vector<std::string> bob_events() const {
    std::vector<std::string> out;
    for (const auto& f : bob_stream.frames) out.push_back(timeless(f));
    return out;
  }

  // The calls whose answers differ from `other`'s.
  std::vector<std::string> differences(const Walk& other) const {
    std::vector<std::string> out;
    REQUIRE(answers.size() == other.answers.size());
    for (size_t i = 0; i < answers.size(); ++i)
      if (answers[i].status != other.answers[i].status || answers[i].body != other.answers[i].body)
        out.push_back(answers[i].call);
    return out;
  }
  const Seen& answer(const std::string& call) const {
    for (const auto& a : answers)
      if (a.call == call) return a;
    FAIL("no call " << call);
    return answers.front();
  }
};

ChatOptions regressed(Regression kind) { return {Regressions({kind}), ""}; }

}  // namespace

TEST_CASE("regression: the kinds by name, and nothing else") {
  CHECK(regression_names() ==
        std::vector<std::string>{"renamed-field", "number-string", "status", "sse-event", "empty-list"});
  for (const auto& name : regression_names()) CHECK(regression_from_name(name).has_value());
  CHECK(regression_from_name("renamed-field") == Regression::renamed_field);
  CHECK(regression_from_name("empty-list") == Regression::empty_list);
  CHECK_FALSE(regression_from_name("Status").has_value());
  CHECK_FALSE(regression_from_name("").has_value());
}

TEST_CASE("regression: none asked, the walk answers the same twice") {
  Walk a, b;
  CHECK(a.differences(b).empty());
  CHECK(a.bob_events() == b.bob_events());
  CHECK(a.bob_greeting == "event: connected\ndata: {\"user_id\":2}\n\n");
}

TEST_CASE("regression renamed-field: SendMessage's content is named text, where it stood") {
  Walk plain, bad(regressed(Regression::renamed_field));
  CHECK(bad.differences(plain) == std::vector<std::string>{"bob posts", "alice posts"});
  auto m = nlohmann::ordered_json::parse(bad.answer("alice posts").body);
  std::vector<std::string> keys;
  for (auto it = m.begin(); it != m.end(); ++it) keys.push_back(it.key());
  CHECK(keys ==
        std::vector<std::string>{"message_id", "room_id", "sender_id", "text", "message_type", "created_at"});
  CHECK(m["text"] == "hello");
  // The events and the message list still say content.
  CHECK(bad.bob_stream.frames.size() == plain.bob_stream.frames.size());
  REQUIRE(bad.bob_stream.frames.size() == 3);
  CHECK(bad.bob_stream.frames[1].find("\"content\":\"hello\"") != std::string::npos);
  CHECK(bad.answer("messages").body == plain.answer("messages").body);
}

TEST_CASE("regression number-string: SendMessage's sender_id is a JSON string") {
  Walk plain, bad(regressed(Regression::number_string));
  CHECK(bad.differences(plain) == std::vector<std::string>{"bob posts", "alice posts"});
  CHECK(Json::parse(bad.answer("bob posts").body)["sender_id"] == "2");
  CHECK(Json::parse(bad.answer("alice posts").body)["sender_id"] == "1");
  CHECK(Json::parse(bad.answer("messages").body)["messages"][0]["sender_id"] == 2);
}

TEST_CASE("regression status: CreateRoom answers 200, the same room") {
  Walk plain, bad(regressed(Regression::status));
  CHECK(bad.differences(plain) == std::vector<std::string>{"create room"});
  CHECK(bad.answer("create room").status == 200);
  CHECK(plain.answer("create room").status == 201);
  CHECK(bad.answer("create room").body == plain.answer("create room").body);
  CHECK(bad.answer("create room without a name").status == 422);
}

TEST_CASE("regression sse-event: the notification stream opens without connected") {
  Walk plain, bad(regressed(Regression::sse_event));
  CHECK(bad.differences(plain).empty());
  CHECK(bad.bob_greeting.empty());
  CHECK(bad.bob_events() == plain.bob_events());
  CHECK(bad.lobby_greeting.rfind("event: welcome\n", 0) == 0);
}

TEST_CASE("regression empty-list: GetMessages answers 200 with no messages") {
  Walk plain, bad(regressed(Regression::empty_list));
  CHECK(bad.differences(plain) == std::vector<std::string>{"messages"});
  CHECK(bad.answer("messages").status == 200);
  CHECK(bad.answer("messages").body == R"({"room_id":1,"messages":[]})");
  CHECK(Json::parse(plain.answer("messages").body)["messages"].size() == 2);
  CHECK(bad.answer("messages of no room").status == 404);
}

TEST_CASE("regression: several kinds at once each do their own") {
  Walk plain, bad({Regressions({Regression::status, Regression::empty_list}), ""});
  CHECK(bad.differences(plain) == std::vector<std::string>{"create room", "messages"});
}

TEST_CASE("noise field: every JSON object answer gains a random 16-hex value, lists and pages do not") {
  Chat c({Regressions(), "nonce"});
  std::string alice = c.user("alice");
  std::set<std::string> values;
  for (const auto& r : {c.get("/api/users/me", alice), c.get("/api/users/me", alice),
                        c.post("/api/chat/rooms", alice, {{"name", "r"}}), c.get("/api/users/me", ""),
                        c.get("/nope", ""), c.get("/api/lobby/stats", "")}) {
    Json j = parse(r);
    REQUIRE(j.contains("nonce"));
    CHECK(std::regex_match(j["nonce"].get<std::string>(), std::regex("[0-9a-f]{16}")));
    values.insert(j["nonce"].get<std::string>());
  }
  CHECK(values.size() == 6);
  CHECK(parse(c.get("/api/chat/rooms", alice)).is_array());
  CHECK(c.get("/", "").body.find("nonce") == std::string::npos);
  // The field is added last; the answer is otherwise the usual one.
  Json me = parse(c.get("/api/users/me", alice));
  me.erase("nonce");
  CHECK(me ==
        Json{{"id", 1}, {"email", "alice@example.org"}, {"username", "alice"}, {"display_name", nullptr}});
}
