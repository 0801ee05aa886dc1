// The route of a request target: the query and fragment dropped, and every path segment that
// is an id (a decimal number, a UUID, a hex string of 16+ digits, a "{{redacted:N}}"
// placeholder, percent-encoded or not) replaced by {id}:
// "/api/chat/rooms/17/messages?limit=5" → "/api/chat/rooms/{id}/messages". Used to group
// exchanges (inspect) and to name requests that no route tag names (metrics).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reprise::http {

std::string route_pattern(std::string_view target);
bool is_id_segment(std::string_view segment);

// A path pattern such as "/api/chat/rooms/*/messages": '*' stands for any one segment, every
// other segment must be equal; the target's query and fragment are not looked at. Matching
// allocates nothing (route tags and fault matches run it on every request).
class PathPattern {
 public:
  explicit PathPattern(std::string_view pattern);
  bool matches(std::string_view target) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace reprise::http
