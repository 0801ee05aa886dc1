// Durations written the k6 way ("500ms", "10s", "2m", "1h30m", "1.5s"), read from flags,
// profiles, fault files, SLA files and thresholds; and measured times written for people.
// Parsing and formatting only; it knows nothing of timers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace reprise {

using Duration = std::chrono::microseconds;

// Throws InputError naming `what` (a flag or a field) when `text` is not a duration.
Duration parse_duration(std::string_view text, std::string_view what);

// A measured time for people: "87µs", "1.21ms", "2.50s".
std::string duration_text(double microseconds);

}  // namespace reprise
