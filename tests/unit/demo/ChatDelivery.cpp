// The chat service's asynchronous delivery path (ChatService with its EventTopic): what the
// service publishes waits on the topic, once per event however many members a room has, until
// deliver() hands it on in order; events for users without a stream are consumed and dropped;
// a stream that closes leaves nothing behind; GET /metrics shows the lag to anyone.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "demo/ChatConversation.hpp"

using namespace reprise::test;

namespace {

// Alice (1) and Bob (2) in room 1, with nothing delivered yet and nothing on the topic.
struct Room {
  Chat c;
  std::string alice, bob;
  Room() {
    alice = c.user("alice");
    bob = c.user("bob");
    REQUIRE(c.post("/api/chat/rooms", alice, {{"name", "r"}}).status == 201);
    REQUIRE(c.post("/api/chat/rooms/1/messages", bob, {{"content", "join"}}).status == 200);
    c.deliver_at_once = false;
  }
  ChatResponse send(const std::string& token, const std::string& text) {
    return c.post("/api/chat/rooms/1/messages", token, {{"content", text}});
  }
};

}  // namespace

TEST_CASE("delivery: a message waits on the topic, counted once for the whole room", "[delivery]") {
  Room room;
  Stream alice_s, bob_s;
  room.c.service.subscribe(1, alice_s.listener());
  room.c.service.subscribe(2, bob_s.listener());
  auto published = room.c.service.topic().published();
  CHECK(room.send("no-such-token", "x").status == 401);  // refused: publishes nothing
  auto m = room.send(room.alice, "hi");
  CHECK(room.c.service.topic().published() == published + 1);
  CHECK(room.c.service.topic().lag() == 1);
  CHECK(alice_s.frames.empty());
  CHECK(room.c.service.deliver(10) == 1);
  CHECK(alice_s.frames == std::vector<std::string>{frame("message", m.body)});
  CHECK(bob_s.frames == alice_s.frames);
  CHECK(room.c.service.topic().lag() == 0);
}

TEST_CASE("delivery: deliver(n) takes at most n, oldest first", "[delivery]") {
  Room room;
  Stream bob_s;
  room.c.service.subscribe(2, bob_s.listener());
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(frame("message", room.send(room.alice, std::to_string(i)).body));
  CHECK(room.c.service.deliver(2) == 2);
  CHECK(bob_s.frames == std::vector<std::string>(sent.begin(), sent.begin() + 2));
  CHECK(room.c.service.topic().lag() == 3);
  CHECK(room.c.service.deliver(100) == 3);
  CHECK(bob_s.frames == sent);
  CHECK(room.c.service.deliver(100) == 0);
}

TEST_CASE("delivery: events for users without a stream are consumed and dropped", "[delivery]") {
  Room room;
  room.send(room.alice, "nobody listens");
  room.c.post("/api/friends/requests", room.alice, {{"addressee_id", 2}});
  CHECK(room.c.service.topic().lag() == 2);
  CHECK(room.c.service.deliver(100) == 2);
  CHECK(room.c.service.topic().consumed() == room.c.service.topic().published());
}

TEST_CASE("delivery: a stream closed while its events wait leaves nothing behind", "[delivery]") {
  Room room;
  Stream gone, stays;
  int id = room.c.service.subscribe(2, gone.listener());
  room.c.service.subscribe(2, stays.listener());
  room.send(room.alice, "one");
  room.c.service.unsubscribe(2, id);
  room.send(room.alice, "two");
  CHECK(room.c.service.deliver(100) == 2);
  CHECK(gone.frames.empty());
  CHECK(stays.frames.size() == 2);
  CHECK(room.c.service.topic().lag() == 0);
}

TEST_CASE("delivery: the lobby's room event goes through the topic too", "[delivery]") {
  Room room;
  Stream lobby;
  room.c.service.subscribe(ChatService::lobby, lobby.listener());
  auto created = room.c.post("/api/chat/rooms", room.bob, {{"name", "news"}});
  CHECK(lobby.frames.empty());
  room.c.service.deliver(1);
  CHECK(lobby.frames == std::vector<std::string>{frame("room", created.body)});
}

TEST_CASE("delivery: GET /metrics shows the lag to anyone, in Prometheus text", "[delivery]") {
  Room room;
  for (int i = 0; i < 3; ++i) room.send(room.alice, "x");
  auto r = room.c.get("/metrics", "");
  CHECK(r.status == 200);
  CHECK(std::string(r.content_type).starts_with("text/plain; version=0.0.4"));
  CHECK(r.body == room.c.service.topic().prometheus_text());
  CHECK(r.body.find(
            "\nkafka_consumergroup_lag{consumergroup=\"notification-delivery\",topic=\"message.events\","
            "partition=\"0\"} 3\n") != std::string::npos);
  CHECK(room.c.get("/metrics", room.alice).body == r.body);  // a token changes nothing
  check_error(room.c.call("POST", "/metrics", "", "{}"), 404, "not found");
}

TEST_CASE("delivery: the noise field and the regressions leave /metrics alone", "[delivery]") {
  Chat c(ChatOptions{reprise::demo::Regressions({reprise::demo::Regression::status}), "nonce"});
  auto r = c.get("/metrics", "");
  CHECK(r.status == 200);
  CHECK(r.body.find("nonce") == std::string::npos);
  CHECK(r.body.starts_with("# HELP kafka_consumergroup_lag "));
}
