#include "mirror/MirrorConfig.hpp"

namespace reprise::mirror {

nlohmann::ordered_json MirrorRule::to_json() const {
  nlohmann::ordered_json j;
  j["factor"] = factor;
  j["match"] = match ? nlohmann::ordered_json(match_source) : nlohmann::ordered_json();
  return j;
}

std::optional<faults::Match> MirrorRule::parse_match(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return std::nullopt;
  return faults::Match::parse(j, where, "match");
}

}  // namespace reprise::mirror
