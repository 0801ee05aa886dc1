#include "demo/ChatService.hpp"

#include "http/MessageHead.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <limits>
#include <optional>

namespace reprise::demo {
namespace {

using Json = nlohmann::ordered_json;

ChatResponse error(int status, std::string_view detail) { return {status, Json{{"detail", detail}}.dump()}; }
ChatResponse ok(int status, const Json& body) { return {status, body.dump()}; }

enum class Route { none, register_user, login, me, search, rooms, create_room, send, messages, friend_request, accept };

// A decimal number (digits only), saturated at the largest uint64_t; nullopt when it is not one.
std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  uint64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  return res.ec == std::errc::result_out_of_range ? std::numeric_limits<uint64_t>::max() : v;
}

// Index of object `id` in a table of `size` objects numbered from 1; nullopt when there is none.
std::optional<size_t> index_of(uint64_t id, size_t size) {
  return (id >= 1 && id <= size) ? std::optional<size_t>(id - 1) : std::nullopt;
}

Route match(std::string_view method, std::string_view path, uint64_t& id) {
  bool get = method == "GET", post = method == "POST";
  if (path == "/api/users/register") return post ? Route::register_user : Route::none;
  if (path == "/api/users/login") return post ? Route::login : Route::none;
  if (path == "/api/users/me") return get ? Route::me : Route::none;
  if (path == "/api/users/search") return get ? Route::search : Route::none;
  if (path == "/api/chat/rooms") return get ? Route::rooms : post ? Route::create_room : Route::none;
  if (path == "/api/friends/requests") return post ? Route::friend_request : Route::none;
  constexpr std::string_view rooms = "/api/chat/rooms/", requests = "/api/friends/requests/";
  if (path.substr(0, rooms.size()) == rooms && path.ends_with("/messages")) {
    auto n = parse_decimal(path.substr(rooms.size(), path.size() - rooms.size() - 9));
    id = n.value_or(0);
    if (n) return get ? Route::messages : post ? Route::send : Route::none;
  }
  if (path.substr(0, requests.size()) == requests && path.ends_with("/accept")) {
    auto n = parse_decimal(path.substr(requests.size(), path.size() - requests.size() - 7));
    id = n.value_or(0);
    if (n && post) return Route::accept;
  }
  return Route::none;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto res = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (res.ec == std::errc() && res.ptr == s.data() + i + 3) out += static_cast<char>(v), i += 2;
      else out += s[i];
    } else out += s[i];
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
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

ChatService::ChatService() : random_(std::random_device{}()) {}

bool ChatService::is_stream(std::string_view method, std::string_view target) {
  return method == "GET" && target.substr(0, target.find('?')) == "/api/notifications/stream";
}

int ChatService::authenticate(std::string_view authorization) const {
  constexpr std::string_view bearer = "bearer ";  // the scheme is case-insensitive (RFC 9110 §11.1)
  if (authorization.size() == bearer.size() || !http::istarts_with(authorization, bearer)) return 0;
  auto it = tokens_.find(std::string(authorization.substr(bearer.size())));
  return it == tokens_.end() ? 0 : it->second;
}

ChatResponse ChatService::handle(std::string_view method, std::string_view target, std::string_view authorization,
                                 std::string_view body) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  uint64_t id = 0;
  Route r = match(method, path, id);
  if (r == Route::none) return error(404, "not found");
  int user = 0;
  if (r != Route::register_user && r != Route::login) {
    user = authenticate(authorization);
    if (!user) return error(401, "not authenticated");
  }
  Json json;
  if (method == "POST" && r != Route::accept) {
    json = Json::parse(body, nullptr, false);
    if (!json.is_object()) return error(422, "body must be a JSON object");
  }
  switch (r) {
    case Route::register_user: return register_user(json);
    case Route::login: return login(json);
    case Route::me: return ok(200, user_json(users_[static_cast<size_t>(user - 1)]));
    case Route::search: return search(query);
    case Route::rooms: return list_rooms();
    case Route::create_room: return create_room(user, json);
    case Route::send: return send_message(user, id, json);
    case Route::messages: return list_messages(id, query);
    case Route::friend_request: return request_friend(user, json);
    case Route::accept: return accept_friend(user, id);
    case Route::none: break;
  }
  return error(404, "not found");
}

ChatResponse ChatService::register_user(const Json& body) {
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
  return ok(201, user_json(users_.back()));
}

ChatResponse ChatService::login(const Json& body) {
  auto* email = required_string(body, "email");
  auto* password = required_string(body, "password");
  if (!email || !password) return error(422, "email and password are required");
  auto it = by_email_.find(*email);
  if (it == by_email_.end() || users_[static_cast<size_t>(it->second - 1)].password != *password)
    return error(401, "invalid credentials");
  std::string token = new_token();
  tokens_[token] = it->second;
  return ok(200, {{"access_token", token}, {"token_type", "bearer"}, {"user_id", it->second}});
}

ChatResponse ChatService::search(std::string_view query) const {
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
  return ok(200, out);
}

ChatResponse ChatService::list_rooms() const {
  Json out = Json::array();
  for (const auto& r : rooms_)
    out.push_back({{"id", r.id}, {"name", r.name}, {"room_type", r.room_type}, {"created_by", r.created_by}});
  return ok(200, out);
}

ChatResponse ChatService::create_room(int user, const Json& body) {
  auto* name = required_string(body, "name");
  if (!name) return error(422, "name is required");
  Room r{static_cast<int>(rooms_.size()) + 1, *name, optional_string(body, "room_type", "group"), user, {user}, {}};
  rooms_.push_back(std::move(r));
  const Room& room = rooms_.back();
  return ok(201, {{"id", room.id}, {"name", room.name}, {"room_type", room.room_type}, {"created_by", user}});
}

ChatResponse ChatService::send_message(int user, uint64_t room_id, const Json& body) {
  auto* content = required_string(body, "content");
  if (!content) return error(422, "content is required");
  auto index = index_of(room_id, rooms_.size());
  if (!index) return error(404, "room not found");
  Room& room = rooms_[*index];
  if (std::find(room.members.begin(), room.members.end(), user) == room.members.end()) room.members.push_back(user);
  Json msg = {{"message_id", next_message_++},
              {"room_id", room.id},
              {"sender_id", user},
              {"content", *content},
              {"message_type", optional_string(body, "message_type", "text")},
              {"created_at", now_iso8601()}};
  room.messages.push_back(msg);
  for (int member : room.members) publish(member, "message", msg);
  return ok(200, msg);
}

ChatResponse ChatService::list_messages(uint64_t room_id, std::string_view query) const {
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
  return ok(200, {{"room_id", rooms_[*index].id}, {"messages", Json(std::vector<Json>(all.begin() + static_cast<long>(from), all.end()))}});
}

ChatResponse ChatService::request_friend(int user, const Json& body) {
  auto it = body.find("addressee_id");
  if (it == body.end() || !it->is_number_integer()) return error(422, "addressee_id must be an integer");
  auto index = it->is_number_unsigned() ? index_of(it->get<uint64_t>(), users_.size()) : std::nullopt;
  if (!index || users_[*index].id == user) return error(400, "invalid addressee");
  int addressee = users_[*index].id;
  for (const auto& r : requests_)
    if ((r.requester == user && r.addressee == addressee) || (r.requester == addressee && r.addressee == user))
      return error(400, "friend request already exists");
  requests_.push_back({static_cast<int>(requests_.size()) + 1, user, addressee, false});
  Json out = request_json(requests_.back());
  publish(addressee, "friend_request", out);
  return ok(200, out);
}

ChatResponse ChatService::accept_friend(int user, uint64_t id) {
  auto index = index_of(id, requests_.size());
  if (!index) return error(404, "friend request not found");
  FriendRequest& r = requests_[*index];
  if (r.addressee != user) return error(403, "only the addressee can accept");
  if (r.accepted) return error(400, "friend request already accepted");
  r.accepted = true;
  Json out = request_json(r);
  publish(r.requester, "friend_accepted", out);
  return ok(200, out);
}

int ChatService::subscribe(int user, Listener listener) {
  int id = next_subscription_++;
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

void ChatService::publish(int user, std::string_view name, const Json& data) {
  auto [begin, end] = listeners_.equal_range(user);
  if (begin == end) return;
  std::string event = "event: " + std::string(name) + "\ndata: " + data.dump() + "\n\n";
  for (auto it = begin; it != end; ++it) it->second.second(event);
}

ChatService::Json ChatService::user_json(const User& u) {
  return {{"id", u.id}, {"email", u.email}, {"username", u.username}, {"display_name", u.display_name}};
}

ChatService::Json ChatService::request_json(const FriendRequest& r) {
  return {{"id", r.id},
          {"requester_id", r.requester},
          {"addressee_id", r.addressee},
          {"status", r.accepted ? "accepted" : "pending"}};
}

std::string ChatService::new_token() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "tok_%016llx%016llx", static_cast<unsigned long long>(random_()),
                static_cast<unsigned long long>(random_()));
  return buf;
}

}  // namespace reprise::demo
