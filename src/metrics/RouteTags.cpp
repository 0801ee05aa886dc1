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

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  path = path.substr(0, path.find_first_of("?#"));
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

RouteTags::RouteTags(const std::map<std::string, std::string>& routes) {
  for (const auto& [name, pattern] : routes) {
    size_t space = pattern.find(' ');
    Route r{name, pattern.substr(0, space), {}};
    for (auto seg : split_path(std::string_view(pattern).substr(space + 1))) r.segments.emplace_back(seg);
    routes_.push_back(std::move(r));
  }
}

std::string RouteTags::name_of(std::string_view method, std::string_view target) const {
  auto segments = split_path(target);
  for (const auto& r : routes_) {
    if (r.method != "*" && !http::iequals(r.method, method)) continue;
    if (r.segments.size() != segments.size()) continue;
    bool all = true;
    for (size_t i = 0; i < segments.size() && all; ++i)
      all = r.segments[i] == "*" || r.segments[i] == segments[i];
    if (all) return r.name;
  }
  return http::route_pattern(target);
}

}  // namespace reprise::metrics
