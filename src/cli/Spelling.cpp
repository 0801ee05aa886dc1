// Edit distance and closest-name choice for the "did you mean" of unknown commands and flags.
#include "cli/Spelling.hpp"

#include <algorithm>

namespace reprise::cli {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the classic table suffice: a swap looks two rows back.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_name(std::string_view typed, const std::vector<std::string>& names) {
  const size_t allowed = std::max<size_t>(2, typed.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto& name : names) {
    size_t d = edit_distance(typed, name);
    if (d > allowed || d >= typed.size()) continue;
    if (!best || d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  if (best || typed.size() < 3) return best;
  std::optional<std::string> prefixed;
  for (const auto& name : names) {
    if (!name.starts_with(typed)) continue;
    if (prefixed) return std::nullopt;  // two names begin so: no guess
    prefixed = name;
  }
  return prefixed;
}

}  // namespace reprise::cli
