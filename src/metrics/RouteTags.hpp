// The `name` tag of a request, as k6 scripts set it: the first route of the profile (or of a
// routes file) whose pattern matches, "METHOD /path/*/pattern" with '*' standing for one path
// segment and "*" as the method for any; a request no route names is named by its folded path
// ("/api/chat/rooms/{id}/messages"), so ids never make a tag of their own.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/RoutePattern.hpp"

namespace reprise::metrics {

// A `routes` block: {"SendMessage": "POST /api/chat/rooms/*/messages"}; throws InputError naming
// `file` and the field.
std::map<std::string, std::string> parse_routes(const nlohmann::json& block, const std::string& file);

// What a request is counted under besides its status: its `name` tag and its method.
struct RouteKey {
  std::string name;
  std::string method;
  bool operator==(const RouteKey&) const = default;
  auto operator<=>(const RouteKey&) const = default;
};

class RouteTags {
 public:
  // name → "METHOD /path/*/pattern", matched in the map's order (by name).
  explicit RouteTags(const std::map<std::string, std::string>& routes);

  std::string name_of(std::string_view method, std::string_view target) const;

 private:
  struct Route {
    std::string name;
    std::string method;  // "*" for any
    http::PathPattern path;
  };
  std::vector<Route> routes_;
};

}  // namespace reprise::metrics
