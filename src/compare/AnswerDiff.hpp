// Compares one live answer with the recorded (or the primary's) answer to the same request:
// status, media type, which headers it carries, and for JSON the structure (keys, types, array
// lengths) and the values field by field; for an event stream the types of its events. What
// compare/Noise calls noise is not a difference, and neither is a value that correlation turned
// into the live one (the caller says which through `mapped`). It counts nothing.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/Answer.hpp"
#include "compare/Noise.hpp"

namespace reprise::compare {

struct Difference {
  enum class Kind : unsigned char {
    status,         // field "status"
    media_type,     // field "header Content-Type"
    header_missing, // field "header x-name"
    header_added,
    missing,        // a key the recorded answer had
    added,          // a key it did not have
    type,
    value,
    length,         // an array's
    event_missing,  // field "event <type>"
    event_added,
    event_order,    // field "events"
  };
  std::string field;
  Kind kind = Kind::value;
  std::string recorded, live;  // short examples; secrets' values hidden
};

std::string_view kind_name(Difference::Kind kind);

struct CompareContext {
  const IgnoreRules* ignore = nullptr;
  const KindNoise* learned = nullptr;  // answers to the same kind of request, when any were seen
  // True when the recorded value became the live one through the session's own values (a token,
  // an id it was handed, its identity); the values as text (a number's digits).
  std::function<bool(std::string_view recorded, std::string_view live)> mapped;
};

// At most kMaxDifferences per answer, in the order found.
constexpr size_t kMaxDifferences = 32;
void compare_answers(const Answer& recorded, const Answer& live, const CompareContext& context,
                     std::vector<Difference>& out);

}  // namespace reprise::compare
