// Which route of the chat service a request names (method and path, query left out), and the
// decimal ids inside paths. Routing only: it knows nothing of tokens, bodies or state.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace reprise::demo {

enum class ChatRoute {
  none,
  register_user,
  login,
  me,
  search,
  rooms,
  create_room,
  send,
  messages,
  friend_request,
  accept,
  notifications,  // GET /api/notifications/stream, served by DemoServer once the token is good
  lobby_stream,   // GET /api/lobby/stream, served by DemoServer to anyone
  lobby_page,     // GET /: the anonymous HTML lobby
  lobby,          // GET /api/lobby: public figures
  lobby_rooms,    // GET /api/lobby/rooms
  lobby_stats,    // GET /api/lobby/stats: what the lobby served
  metrics,        // GET /metrics: the delivery topic's figures, Prometheus text, for anyone
};

// The route of `method` and `path`; `id` receives the room or request id of the paths that hold one.
ChatRoute match_route(std::string_view method, std::string_view path, uint64_t& id);

// Routes anyone may call, without a token.
bool is_anonymous(ChatRoute route);

// A decimal number (digits only), saturated at the largest uint64_t; nullopt when it is not one.
std::optional<uint64_t> parse_decimal(std::string_view s);

}  // namespace reprise::demo
