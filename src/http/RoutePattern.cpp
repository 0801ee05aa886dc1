#include "http/RoutePattern.hpp"

#include <algorithm>
#include <cctype>

#include "http/PercentEncoding.hpp"

namespace reprise::http {
namespace {

constexpr std::string_view kOpen = "{{redacted:";

bool all_of(std::string_view s, int (*pred)(int)) {
  return std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// A placeholder written into a URL may arrive percent-encoded: "%7B%7Bredacted%3A3%7D%7D".
bool is_placeholder_segment(std::string_view s) {
  std::string decoded = url_decode(s, UrlPart::path);
  std::string_view d = decoded;
  return d.starts_with(kOpen) && d.ends_with("}}") && d.size() > kOpen.size() + 2 &&
         all_of(d.substr(kOpen.size(), d.size() - kOpen.size() - 2), isdigit);
}

}  // namespace

bool is_id_segment(std::string_view s) {
  if (s.empty()) return false;
  if (all_of(s, isdigit)) return true;
  if (is_uuid(s)) return true;
  if (s.size() >= 16 && all_of(s, isxdigit)) return true;
  return is_placeholder_segment(s);
}

std::string route_pattern(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (size_t scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    size_t path = target.find('/', scheme + 3);  // absolute-form: drop scheme and authority
    target = path == std::string_view::npos ? "/" : target.substr(path);
  }
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = target.find('/', start);
    std::string_view seg = target.substr(start, slash == std::string_view::npos ? slash : slash - start);
    out += is_id_segment(seg) ? "{id}" : std::string(seg);
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

PathPattern::PathPattern(std::string_view pattern) : text_(pattern) {
  pattern = pattern.substr(0, pattern.find_first_of("?#"));
  for (size_t start = 0; start <= pattern.size();) {
    size_t slash = std::min(pattern.find('/', start), pattern.size());
    segments_.emplace_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
}

// One pass over the target, byte by byte: most patterns fail on their first literal segment, and
// the proxy asks every fault's pattern on every request.
bool PathPattern::matches(std::string_view target) const {
  const size_t n = target.size();
  size_t at = 0;
  auto ends = [&](size_t i) { return i >= n || target[i] == '?' || target[i] == '#'; };
  for (size_t k = 0; k < segments_.size(); ++k) {
    if (k > 0) {
      if (ends(at) || target[at] != '/') return false;  // the target has fewer segments
      ++at;
    }
    const std::string& want = segments_[k];
    if (want == "*") {
      while (!ends(at) && target[at] != '/') ++at;
      continue;
    }
    for (char c : want) {
      if (ends(at) || target[at] != c) return false;
      ++at;
    }
    if (!ends(at) && target[at] != '/') return false;  // the target's segment goes on
  }
  return ends(at);  // and has no more segments
}

}  // namespace reprise::http
