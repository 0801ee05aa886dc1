// The `name` tag of each proxied request, as metrics::RouteTags names it (the first route whose
// method and path pattern match, in the map's order; else the folded path, ids as {id}), but
// found without allocating in the steady state: routes are matched with http::PathPattern, and
// each folded path met once is kept and matched segment by segment after that. One per worker
// thread (no lock). It must not know what is measured under the names.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/RoutePattern.hpp"

namespace reprise::proxy {

class RouteNames {
 public:
  // Past this many folded paths (a scanner trying random URLs), new ones are all named kOther.
  static constexpr size_t kMaxFolded = 200;
  static constexpr std::string_view kOther = "{other}";

  // name → "METHOD /path/*/pattern", as metrics::parse_routes reads it.
  explicit RouteNames(const std::map<std::string, std::string>& routes);

  // The index of the request's name; name(index) gives the text.
  size_t index_of(std::string_view method, std::string_view target);
  const std::string& name(size_t index) const { return names_[index]; }

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
  size_t other_ = SIZE_MAX;  // the index of kOther once used
};

}  // namespace reprise::proxy
