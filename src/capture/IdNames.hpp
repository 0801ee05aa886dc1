// Which JSON keys name an id ("id", "room_id", "roomId", "ID"): values the service numbers, that
// correlation looks for only where an id stands and response comparison does not compare by
// value. Only names: it never looks at values.
#pragma once

#include <string_view>

#include "http/MessageHead.hpp"

namespace reprise::capture {

inline bool id_named(std::string_view key) {
  return http::iequals(key, "id") || key.ends_with("_id") || key.ends_with("Id") || key.ends_with("ID");
}

}  // namespace reprise::capture
