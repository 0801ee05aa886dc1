#include "demo/ChatRoute.hpp"

#include <charconv>
#include <limits>

namespace reprise::demo {
namespace {

// The route of a path holding an id between `prefix` and `suffix` ("/api/chat/rooms/7/messages").
bool id_between(std::string_view path, std::string_view prefix, std::string_view suffix, uint64_t& id) {
  if (!path.starts_with(prefix) || !path.ends_with(suffix) || path.size() < prefix.size() + suffix.size())
    return false;
  auto n = parse_decimal(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
  id = n.value_or(0);
  return n.has_value();
}

ChatRoute match_lobby(bool get, std::string_view path) {
  if (!get) return ChatRoute::none;
  if (path == "/") return ChatRoute::lobby_page;
  if (path == "/api/lobby") return ChatRoute::lobby;
  if (path == "/api/lobby/rooms") return ChatRoute::lobby_rooms;
  if (path == "/api/lobby/stats") return ChatRoute::lobby_stats;
  if (path == "/api/lobby/stream") return ChatRoute::lobby_stream;
  return ChatRoute::none;
}

}  // namespace

std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  uint64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  return res.ec == std::errc::result_out_of_range ? std::numeric_limits<uint64_t>::max() : v;
}

ChatRoute match_route(std::string_view method, std::string_view path, uint64_t& id) {
  bool get = method == "GET", post = method == "POST";
  if (path == "/api/users/register") return post ? ChatRoute::register_user : ChatRoute::none;
  if (path == "/api/users/login") return post ? ChatRoute::login : ChatRoute::none;
  if (path == "/api/users/me") return get ? ChatRoute::me : ChatRoute::none;
  if (path == "/api/users/search") return get ? ChatRoute::search : ChatRoute::none;
  if (path == "/api/chat/rooms")
    return get ? ChatRoute::rooms : post ? ChatRoute::create_room : ChatRoute::none;
  if (path == "/api/friends/requests") return post ? ChatRoute::friend_request : ChatRoute::none;
  if (path == "/api/notifications/stream") return get ? ChatRoute::notifications : ChatRoute::none;
  if (path == "/metrics") return get ? ChatRoute::metrics : ChatRoute::none;
  if (id_between(path, "/api/chat/rooms/", "/messages", id))
    return get ? ChatRoute::messages : post ? ChatRoute::send : ChatRoute::none;
  if (id_between(path, "/api/friends/requests/", "/accept", id))
    return post ? ChatRoute::accept : ChatRoute::none;
  return match_lobby(get, path);
}

bool is_anonymous(ChatRoute route) {
  switch (route) {
    case ChatRoute::register_user:
    case ChatRoute::login:
    case ChatRoute::lobby_page:
    case ChatRoute::lobby:
    case ChatRoute::lobby_rooms:
    case ChatRoute::lobby_stats:
    case ChatRoute::lobby_stream:
    case ChatRoute::metrics:
      return true;
    default:
      return false;
  }
}

}  // namespace reprise::demo
