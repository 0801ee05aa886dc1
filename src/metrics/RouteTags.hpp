// The `name` tag of a request, as k6 scripts set it, for the proxy and the replayer alike: the
// first route of the profile (or of an SLA file) whose pattern matches, "METHOD /path/*/pattern"
// with '*' standing for one path segment and "*" as the method for any; a request no route
// names is named by its folded path ("/api/chat/rooms/{id}/messages"), so ids never make a tag
// of their own. Names are found as indexes without allocating in the steady state: routes are
// matched with http::PathPattern, and each folded path met once is kept and matched segment by
// segment after that. One per thread (no lock). It must not know what is measured under the
// names.
#pragma once

#include <cstdint>
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
  // The proxy's default: past this many folded paths (a scanner trying random URLs), new ones
  // are all named kOther.
  static constexpr size_t kMaxFolded = 200;
  static constexpr size_t kNoLimit = SIZE_MAX;
  static constexpr std::string_view kOther = "{other}";

  // name → "METHOD /path/*/pattern", matched in the map's order (by name).
  explicit RouteTags(const std::map<std::string, std::string>& routes, size_t max_folded = kMaxFolded);

  // The index of the request's name; name(index) gives the text.
  size_t index_of(std::string_view method, std::string_view target);
  const std::string& name(size_t index) const { return names_[index]; }
  const std::string& name_of(std::string_view method, std::string_view target) {
    return name(index_of(method, target));
  }

 private:
  struct Route {
    std::string method;  // "*" for any
    http::PathPattern path;
  };
  struct Folded {
    std::vector<std::string> segments;  // "{id}" stands for any id segment
    size_t index;
  };
  static bool matches(const Folded& f, std::string_view path);
  size_t add_folded(std::string_view target);

  std::vector<std::string> names_;  // routes' names first, then folded paths
  std::vector<Route> routes_;       // routes_[i] is named names_[i]
  std::vector<Folded> folded_;
  size_t max_folded_;
  size_t other_ = SIZE_MAX;  // the index of kOther once used
};

}  // namespace reprise::metrics
