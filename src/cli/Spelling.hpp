// "Did you mean": the edit distance between what was typed and a known name, and the closest
// known name when it is close enough to be what the user meant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reprise::cli {

// Damerau–Levenshtein distance (optimal string alignment): insertions, deletions, substitutions
// and swaps of two neighbouring characters each cost 1.
size_t edit_distance(std::string_view a, std::string_view b);

// The name of `names` closest to `typed`, if close: at most 2 edits, or a third of the typed
// length for long names, and fewer edits than `typed` has characters; failing that, the only
// name that `typed` (3 characters or more) begins. Ties go to the earlier name.
std::optional<std::string> closest_name(std::string_view typed, const std::vector<std::string>& names);

}  // namespace reprise::cli
