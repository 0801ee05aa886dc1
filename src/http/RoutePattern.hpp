// The route of a request target: the query and fragment dropped, and every path segment that
// is an id (a decimal number, a UUID, a hex string of 16+ digits, a "{{redacted:N}}"
// placeholder, percent-encoded or not) replaced by {id}:
// "/api/chat/rooms/17/messages?limit=5" → "/api/chat/rooms/{id}/messages". Used to group
// exchanges (inspect) and to name requests that no route tag names (metrics).
#pragma once

#include <string>
#include <string_view>

namespace reprise::http {

std::string route_pattern(std::string_view target);
bool is_id_segment(std::string_view segment);

}  // namespace reprise::http
