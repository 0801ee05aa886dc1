#include "demo/ChatService.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <optional>
#include <set>

#include "demo/LobbyPage.hpp"
#include "http/MessageHead.hpp"
#include "metrics/PrometheusText.hpp"

namespace reprise::demo {
namespace {

using Json = nlohmann::ordered_json;
using Answer = ChatService::Answer;

Answer error(int status, std::string_view detail) { return {status, Json{{"detail", detail}}}; }

// Index of object `id` in a table of `size` objects numbered from 1; nullopt when there is none.
std::optional<size_t> index_of(uint64_t id, size_t size) {
  return (id >= 1 && id <= size) ? std::optional<size_t>(id - 1) : std::nullopt;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+')
      out += ' ';
    else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto res = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (res.ec == std::errc() && res.ptr == s.data() + i + 3)
        out += static_cast<char>(v), i += 2;
      else
        out += s[i];
    } else
      out += s[i];
  }
  return out;
}

// The decoded value of `name` in a query string; `found` says whether it was there.
std::string query_param(std::string_view query, std::string_view name, bool& found) {
  found = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      found = true;
      return eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

const std::string* required_string(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return nullptr;
  return &it->get_ref<const std::string&>();
}

std::string optional_string(const Json& body, const char* field, const char* fallback) {
  auto it = body.find(field);
  return (it != body.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

}  // namespace

ChatService::ChatService(ChatOptions options)
    : options_(std::move(options)), random_(std::random_device{}()) {}

bool ChatService::is_stream(std::string_view method, std::string_view target) {
  uint64_t id = 0;
  return match_route(method, target.substr(0, target.find('?')), id) == ChatRoute::notifications;
}

bool ChatService::is_lobby_stream(std::string_view method, std::string_view target) {
  uint64_t id = 0;
  return match_route(method, target.substr(0, target.find('?')), id) == ChatRoute::lobby_stream;
}

int ChatService::authenticate(std::string_view authorization) const {
  constexpr std::string_view bearer = "bearer ";  // the scheme is case-insensitive (RFC 9110 §11.1)
  if (authorization.size() == bearer.size() || !http::istarts_with(authorization, bearer)) return 0;
  auto it = tokens_.find(std::string(authorization.substr(bearer.size())));
  return it == tokens_.end() ? 0 : it->second;
}

ChatResponse ChatService::handle(std::string_view method, std::string_view target,
                                 std::string_view authorization, std::string_view body) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  uint64_t id = 0;
  ChatRoute r = match_route(method, path, id);
  if (r == ChatRoute::none) return finish(r, error(404, "not found"));
  if (r == ChatRoute::metrics) return {200, topic_.prometheus_text(), metrics::PrometheusText::kContentType};
  if (r == ChatRoute::lobby_page) {
    ++page_loads_;
    return {200, std::string(lobby_page()), "text/html; charset=utf-8"};
  }
  int user = 0;
  if (!is_anonymous(r)) {
    user = authenticate(authorization);
    if (!user) return finish(r, error(401, "not authenticated"));
  }
  Json json;
  if (method == "POST" && r != ChatRoute::accept) {
    json = Json::parse(body, nullptr, false);
    if (!json.is_object()) return finish(r, error(422, "body must be a JSON object"));
  }
  return finish(r, route(r, id, query, user, json));
}

Answer ChatService::route(ChatRoute r, uint64_t id, std::string_view query, int user, const Json& body) {
  if (r == ChatRoute::lobby || r == ChatRoute::lobby_rooms) ++lobby_calls_;
  switch (r) {
    case ChatRoute::register_user:
      return register_user(body);
    case ChatRoute::login:
      return login(body);
    case ChatRoute::me:
      return {200, user_json(users_[static_cast<size_t>(user - 1)])};
    case ChatRoute::search:
      return search(query);
    case ChatRoute::rooms:
      return list_rooms();
    case ChatRoute::create_room:
      return create_room(user, body);
    case ChatRoute::send:
      return send_message(user, id, body);
    case ChatRoute::messages:
      return list_messages(id, query);
    case ChatRoute::friend_request:
      return request_friend(user, body);
    case ChatRoute::accept:
      return accept_friend(user, id);
    case ChatRoute::lobby:
      return lobby_figures();
    case ChatRoute::lobby_rooms:
      return list_rooms();
    case ChatRoute::lobby_stats:
      return lobby_stats();
    // Streams are DemoServer's: a notification stream gets here only to be refused (401) above.
    case ChatRoute::notifications:
    case ChatRoute::lobby_stream:
    case ChatRoute::lobby_page:
    case ChatRoute::metrics:
    case ChatRoute::none:
      break;
  }
  return error(404, "not found");
}

ChatResponse ChatService::finish(ChatRoute route, Answer answer) {
  options_.regressions.apply(route, answer.status, answer.body);
  if (!options_.noise_field.empty() && answer.body.is_object())
    answer.body[options_.noise_field] = random_hex(1);
  return {answer.status, answer.body.dump()};
}

Answer ChatService::register_user(const Json& body) {
  auto* email = required_string(body, "email");
  auto* username = required_string(body, "username");
  auto* password = required_string(body, "password");
  if (!email || !username || !password) return error(422, "email, username and password are required");
  if (by_email_.count(*email) || by_username_.count(*username)) return error(400, "user already exists");
  auto dn = body.find("display_name");
  User u{static_cast<int>(users_.size()) + 1, *email, *username, *password,
         (dn != body.end() && dn->is_string()) ? *dn : Json(nullptr)};
  by_email_[u.email] = u.id;
  by_username_[u.username] = u.id;
  users_.push_back(std::move(u));
  return {201, user_json(users_.back())};
}

Answer ChatService::login(const Json& body) {
  auto* email = required_string(body, "email");
  auto* password = required_string(body, "password");
  if (!email || !password) return error(422, "email and password are required");
  auto it = by_email_.find(*email);
  if (it == by_email_.end() || users_[static_cast<size_t>(it->second - 1)].password != *password)
    return error(401, "invalid credentials");
  std::string token = "tok_" + random_hex(2);
  tokens_[token] = it->second;
  return {200, {{"access_token", token}, {"token_type", "bearer"}, {"user_id", it->second}}};
}

Answer ChatService::search(std::string_view query) const {
  bool found = false;
  std::string needle = lower(query_param(query, "q", found));
  Json out = Json::array();
  for (const auto& u : users_) {
    if (out.size() >= 20) break;
    std::string dn = u.display_name.is_string() ? u.display_name.get<std::string>() : "";
    if (needle.empty() || lower(u.username).find(needle) != std::string::npos ||
        lower(u.email).find(needle) != std::string::npos || lower(dn).find(needle) != std::string::npos)
      out.push_back(user_json(u));
  }
  return {200, out};
}

Answer ChatService::list_rooms() const {
  Json out = Json::array();
  for (const auto& r : rooms_) out.push_back(room_json(r));
  return {200, out};
}

Answer ChatService::create_room(int user, const Json& body) {
  auto* name = required_string(body, "name");
  if (!name) return error(422, "name is required");
  Room r{static_cast<int>(rooms_.size()) + 1,
         *name,
         optional_string(body, "room_type", "group"),
         user,
         {user},
         {}};
  rooms_.push_back(std::move(r));
  Json out = room_json(rooms_.back());
  publish({lobby}, "room", out);
  return {201, out};
}

Answer ChatService::send_message(int user, uint64_t room_id, const Json& body) {
  auto* content = required_string(body, "content");
  if (!content) return error(422, "content is required");
  auto index = index_of(room_id, rooms_.size());
  if (!index) return error(404, "room not found");
  Room& room = rooms_[*index];
  if (std::find(room.members.begin(), room.members.end(), user) == room.members.end())
    room.members.push_back(user);
  Json msg = {{"message_id", next_message_++},
              {"room_id", room.id},
              {"sender_id", user},
              {"content", *content},
              {"message_type", optional_string(body, "message_type", "text")},
              {"created_at", now_iso8601()}};
  room.messages.push_back(msg);
  publish(room.members, "message", msg);
  return {200, msg};
}

Answer ChatService::list_messages(uint64_t room_id, std::string_view query) const {
  bool found = false;
  std::string limit_text = query_param(query, "limit", found);
  size_t limit = 50;
  if (found) {
    auto v = parse_decimal(limit_text);
    if (!v || *v < 1) return error(422, "limit must be a positive integer");
    limit = static_cast<size_t>(std::min<uint64_t>(*v, 100));
  }
  auto index = index_of(room_id, rooms_.size());
  if (!index) return error(404, "room not found");
  const auto& all = rooms_[*index].messages;
  size_t from = all.size() > limit ? all.size() - limit : 0;
  return {200,
          {{"room_id", rooms_[*index].id},
           {"messages", Json(std::vector<Json>(all.begin() + static_cast<long>(from), all.end()))}}};
}

Answer ChatService::request_friend(int user, const Json& body) {
  auto it = body.find("addressee_id");
  if (it == body.end() || !it->is_number_integer()) return error(422, "addressee_id must be an integer");
  auto index = it->is_number_unsigned() ? index_of(it->get<uint64_t>(), users_.size()) : std::nullopt;
  if (!index || users_[*index].id == user) return error(400, "invalid addressee");
  int addressee = users_[*index].id;
  for (const auto& r : requests_)
    if ((r.requester == user && r.addressee == addressee) ||
        (r.requester == addressee && r.addressee == user))
      return error(400, "friend request already exists");
  requests_.push_back({static_cast<int>(requests_.size()) + 1, user, addressee, false});
  Json out = request_json(requests_.back());
  publish({addressee}, "friend_request", out);
  return {200, out};
}

Answer ChatService::accept_friend(int user, uint64_t id) {
  auto index = index_of(id, requests_.size());
  if (!index) return error(404, "friend request not found");
  FriendRequest& r = requests_[*index];
  if (r.addressee != user) return error(403, "only the addressee can accept");
  if (r.accepted) return error(400, "friend request already accepted");
  r.accepted = true;
  Json out = request_json(r);
  publish({r.requester}, "friend_accepted", out);
  return {200, out};
}

Answer ChatService::lobby_figures() const {
  std::set<int> online;  // users with a notification stream open
  for (const auto& [subscriber, listener] : listeners_)
    if (subscriber != lobby) online.insert(subscriber);
  return {200, {{"rooms", rooms_.size()}, {"users", users_.size()}, {"online", online.size()}}};
}

Answer ChatService::lobby_stats() const {
  return {200,
          {{"page_loads", page_loads_},
           {"lobby_calls", lobby_calls_},
           {"lobby_streams", lobby_streams_},
           {"lobby_streams_open", listeners_.count(lobby)}}};
}

std::string ChatService::greeting(int subscriber) const {
  if (subscriber == lobby) return "event: welcome\ndata: " + lobby_figures().body.dump() + "\n\n";
  if (!options_.regressions.sends_event("connected")) return "";
  return "event: connected\ndata: " + Json{{"user_id", subscriber}}.dump() + "\n\n";
}

int ChatService::subscribe(int user, Listener listener) {
  int id = next_subscription_++;
  if (user == lobby) ++lobby_streams_;
  listeners_.emplace(user, std::make_pair(id, std::move(listener)));
  return id;
}

void ChatService::unsubscribe(int user, int subscription) {
  auto [begin, end] = listeners_.equal_range(user);
  for (auto it = begin; it != end; ++it)
    if (it->second.first == subscription) {
      listeners_.erase(it);
      return;
    }
}

// One event on the topic however many recipients it has, as Kafka counts a message once.
void ChatService::publish(std::vector<int> recipients, std::string_view name, const Json& data) {
  if (!options_.regressions.sends_event(name)) return;
  topic_.publish(std::move(recipients), "event: " + std::string(name) + "\ndata: " + data.dump() + "\n\n");
}

size_t ChatService::deliver(size_t n) {
  return topic_.consume(n, [this](const TopicEvent& event) {
    for (int subscriber : event.recipients) {
      auto [begin, end] = listeners_.equal_range(subscriber);
      for (auto it = begin; it != end; ++it) it->second.second(event.frame);
    }
  });
}

ChatService::Json ChatService::user_json(const User& u) {
  return {{"id", u.id}, {"email", u.email}, {"username", u.username}, {"display_name", u.display_name}};
}

ChatService::Json ChatService::room_json(const Room& r) {
  return {{"id", r.id}, {"name", r.name}, {"room_type", r.room_type}, {"created_by", r.created_by}};
}

ChatService::Json ChatService::request_json(const FriendRequest& r) {
  return {{"id", r.id},
          {"requester_id", r.requester},
          {"addressee_id", r.addressee},
          {"status", r.accepted ? "accepted" : "pending"}};
}

// `words` random 64-bit words as lowercase hex, 16 digits each.
std::string ChatService::random_hex(int words) {
  std::string out;
  char buf[17];
  for (int i = 0; i < words; ++i) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random_()));
    out += buf;
  }
  return out;
}

}  // namespace reprise::demo
