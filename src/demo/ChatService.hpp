// The built-in chat service of the seed (users, rooms, messages, friend requests and their
// notifications), in memory. Pure logic: a request in, a response out, events handed to
// whoever subscribed; it knows nothing of sockets. The contract is tests/upstreams/README.md,
// shared with the FastAPI app. Single-threaded by design: one io_context drives it.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reprise::demo {

struct ChatResponse {
  int status = 200;
  std::string body;  // JSON
};

class ChatService {
 public:
  // Called with an SSE-framed event ("event: NAME\ndata: JSON\n\n") for each of a user's streams.
  using Listener = std::function<void(const std::string& event)>;

  ChatService();

  ChatResponse handle(std::string_view method, std::string_view target, std::string_view authorization,
                      std::string_view body);

  // The user id a bearer token belongs to, or 0.
  int authenticate(std::string_view authorization) const;
  // Subscribes a stream of `user`; returns an id for unsubscribe.
  int subscribe(int user, Listener listener);
  void unsubscribe(int user, int subscription);
  static bool is_stream(std::string_view method, std::string_view target);

 private:
  struct User {
    int id;
    std::string email, username, password;
    nlohmann::ordered_json display_name;
  };
  struct Room {
    int id;
    std::string name, room_type;
    int created_by;
    std::vector<int> members;
    std::vector<nlohmann::ordered_json> messages;
  };
  struct FriendRequest {
    int id, requester, addressee;
    bool accepted = false;
  };
  using Json = nlohmann::ordered_json;

  ChatResponse route(std::string_view method, std::string_view path, std::string_view query, int user,
                     const Json& body, bool& matched);
  ChatResponse register_user(const Json& body);
  ChatResponse login(const Json& body);
  ChatResponse search(std::string_view query) const;
  ChatResponse list_rooms() const;
  ChatResponse create_room(int user, const Json& body);
  ChatResponse send_message(int user, uint64_t room, const Json& body);
  ChatResponse list_messages(uint64_t room, std::string_view query) const;
  ChatResponse request_friend(int user, const Json& body);
  ChatResponse accept_friend(int user, uint64_t request);
  void publish(int user, std::string_view name, const Json& data);
  static Json user_json(const User& u);
  static Json request_json(const FriendRequest& r);
  std::string new_token();

  std::vector<User> users_;  // id - 1
  std::unordered_map<std::string, int> by_email_, by_username_;
  std::unordered_map<std::string, int> tokens_;
  std::vector<Room> rooms_;  // id - 1
  std::vector<FriendRequest> requests_;  // id - 1
  int next_message_ = 1;
  std::multimap<int, std::pair<int, Listener>> listeners_;
  int next_subscription_ = 1;
  std::mt19937_64 random_;
};

}  // namespace reprise::demo
