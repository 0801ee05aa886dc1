#include "metrics/RouteTags.hpp"

#include "InputError.hpp"
#include "http/MessageHead.hpp"

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

RouteTags::RouteTags(const std::map<std::string, std::string>& routes, size_t max_folded)
    : max_folded_(max_folded) {
  for (const auto& [name, pattern] : routes) {
    size_t space = pattern.find(' ');
    names_.push_back(name);
    routes_.push_back(
        {pattern.substr(0, space), http::PathPattern(std::string_view(pattern).substr(space + 1))});
  }
}

size_t RouteTags::index_of(std::string_view method, std::string_view target) {
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if ((r.method == "*" || http::iequals(r.method, method)) && r.path.matches(target)) return i;
  }
  if (target.starts_with('/')) {  // an absolute-form target is folded the long way, every time
    std::string_view path = target.substr(0, target.find_first_of("?#"));
    for (const auto& f : folded_)
      if (matches(f, path)) return f.index;
  }
  return add_folded(target);
}

// True when http::route_pattern(path) would give f's text: each segment equal (f's other
// segments are not ids, so neither is an equal one), or an id where f has "{id}" (a literal
// "{id}" segment folds to itself).
bool RouteTags::matches(const Folded& f, std::string_view path) {
  size_t start = 0;
  for (const auto& want : f.segments) {
    if (start > path.size()) return false;
    size_t slash = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, slash - start);
    if (want == "{id}" ? !(seg == want || http::is_id_segment(seg)) : seg != want) return false;
    start = slash + 1;
  }
  return start > path.size();
}

size_t RouteTags::add_folded(std::string_view target) {
  std::string text = http::route_pattern(target);
  for (size_t i = routes_.size(); i < names_.size(); ++i)
    if (names_[i] == text) return i;  // an absolute-form target, or a path folded before
  if (folded_.size() >= max_folded_) {
    if (other_ == SIZE_MAX) {
      other_ = names_.size();
      names_.emplace_back(kOther);
    }
    return other_;
  }
  const size_t index = names_.size();
  Folded f{{}, index};
  for (size_t start = 0; start <= text.size();) {
    size_t slash = std::min(text.find('/', start), text.size());
    f.segments.emplace_back(text.substr(start, slash - start));
    start = slash + 1;
  }
  names_.push_back(std::move(text));
  folded_.push_back(std::move(f));
  return index;
}

}  // namespace reprise::metrics
