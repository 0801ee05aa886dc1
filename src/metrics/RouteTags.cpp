#include "metrics/RouteTags.hpp"

#include "InputError.hpp"
#include "http/MessageHead.hpp"
#include "http/RoutePattern.hpp"

namespace reprise::metrics {

std::map<std::string, std::string> parse_routes(const nlohmann::json& block, const std::string& file) {
  if (!block.is_object())
    throw InputError(file, "field routes", "must be an object {\"Name\": \"METHOD /path/*\"}");
  std::map<std::string, std::string> out;
  for (auto it = block.begin(); it != block.end(); ++it) {
    if (!it.value().is_string() || it.value().get<std::string>().find(' ') == std::string::npos)
      throw InputError(file, "field routes." + it.key(), "must be \"METHOD /path/*/pattern\"");
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

RouteTags::RouteTags(const std::map<std::string, std::string>& routes) {
  for (const auto& [name, pattern] : routes) {
    size_t space = pattern.find(' ');
    routes_.push_back(
        {name, pattern.substr(0, space), http::PathPattern(std::string_view(pattern).substr(space + 1))});
  }
}

std::string RouteTags::name_of(std::string_view method, std::string_view target) const {
  for (const auto& r : routes_)
    if ((r.method == "*" || http::iequals(r.method, method)) && r.path.matches(target)) return r.name;
  return http::route_pattern(target);
}

}  // namespace reprise::metrics
