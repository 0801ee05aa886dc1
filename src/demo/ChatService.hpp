// The built-in chat service of the seed (users, rooms, messages, friend requests and their
// notifications, and an anonymous lobby), in memory. Pure logic: a request in, a response out;
// notifications go onto a topic (EventTopic, the seed's Kafka `message.events`) and reach
// whoever subscribed when deliver() consumes them. It knows nothing of sockets or clocks: how
// often deliver() runs, and how much it may take, is DemoServer's. The contract is
// tests/upstreams/README.md, shared with the FastAPI app; the lobby, the regressions and the
// noise field are this service's own (docs/demo.md). Single-threaded by design: one io_context
// drives it.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "demo/ChatRoute.hpp"
#include "demo/EventTopic.hpp"
#include "demo/Regression.hpp"

namespace reprise::demo {

struct ChatResponse {
  int status = 200;
  std::string body;
  std::string_view content_type = "application/json";
};

// How this run of the service departs from the contract, on purpose.
struct ChatOptions {
  Regressions regressions;
  // When not empty: every JSON object answer gains this field, a random 16-hex string per answer.
  std::string noise_field;
};

class ChatService {
 public:
  // Called with an SSE-framed event ("event: NAME\ndata: JSON\n\n") for each of a user's streams.
  using Listener = std::function<void(const std::string& event)>;
  // The subscriber of the anonymous lobby streams (users are 1 and up).
  static constexpr int lobby = -1;

  // An answer before the regressions and the noise field are applied and it is serialised.
  struct Answer {
    int status;
    nlohmann::ordered_json body;
  };

  explicit ChatService(ChatOptions options = {});

  ChatResponse handle(std::string_view method, std::string_view target, std::string_view authorization,
                      std::string_view body);

  // The user id a bearer token belongs to, or 0.
  int authenticate(std::string_view authorization) const;
  // Subscribes a stream of `user` (or of the lobby); returns an id for unsubscribe.
  int subscribe(int user, Listener listener);
  void unsubscribe(int user, int subscription);
  // The event a new stream of `subscriber` opens with ("connected" or the lobby's "welcome"), or
  // "" when a regression takes it out.
  std::string greeting(int subscriber) const;
  // Takes up to `n` events off the topic, oldest first, and hands each to the streams of its
  // recipients open now (a recipient with none misses it, as before); returns how many it took.
  size_t deliver(size_t n);
  const EventTopic& topic() const { return topic_; }
  // GET /api/notifications/stream, which needs a token.
  static bool is_stream(std::string_view method, std::string_view target);
  // GET /api/lobby/stream, which anyone may open.
  static bool is_lobby_stream(std::string_view method, std::string_view target);

 private:
  using Json = nlohmann::ordered_json;
  struct User {
    int id;
    std::string email, username, password;
    Json display_name;
  };
  struct Room {
    int id;
    std::string name, room_type;
    int created_by;
    std::vector<int> members;
    std::vector<Json> messages;
  };
  struct FriendRequest {
    int id, requester, addressee;
    bool accepted = false;
  };
  Answer route(ChatRoute route, uint64_t id, std::string_view query, int user, const Json& body);
  ChatResponse finish(ChatRoute route, Answer answer);
  Answer register_user(const Json& body);
  Answer login(const Json& body);
  Answer search(std::string_view query) const;
  Answer list_rooms() const;
  Answer create_room(int user, const Json& body);
  Answer send_message(int user, uint64_t room, const Json& body);
  Answer list_messages(uint64_t room, std::string_view query) const;
  Answer request_friend(int user, const Json& body);
  Answer accept_friend(int user, uint64_t request);
  Answer lobby_figures() const;
  Answer lobby_stats() const;
  void publish(std::vector<int> recipients, std::string_view name, const Json& data);
  static Json user_json(const User& u);
  static Json room_json(const Room& r);
  static Json request_json(const FriendRequest& r);
  std::string random_hex(int words);

  ChatOptions options_;
  std::vector<User> users_;  // id - 1
  std::unordered_map<std::string, int> by_email_, by_username_;
  std::unordered_map<std::string, int> tokens_;
  std::vector<Room> rooms_;              // id - 1
  std::vector<FriendRequest> requests_;  // id - 1
  int next_message_ = 1;
  std::multimap<int, std::pair<int, Listener>> listeners_;
  int next_subscription_ = 1;
  EventTopic topic_;
  // What the lobby served, for GET /api/lobby/stats.
  uint64_t page_loads_ = 0, lobby_calls_ = 0, lobby_streams_ = 0;
  std::mt19937_64 random_;
};

}  // namespace reprise::demo
