// Parses k6 duration syntax: a sequence of <number><unit> with units us, ms, s, m, h; a bare
// number means seconds, as k6's does in options.
#include "Duration.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "InputError.hpp"

namespace reprise {
namespace {

double unit_micros(std::string_view unit) {
  if (unit == "us" || unit == "µs") return 1;
  if (unit == "ms") return 1e3;
  if (unit == "s" || unit.empty()) return 1e6;
  if (unit == "m") return 60e6;
  if (unit == "h") return 3600e6;
  return -1;
}

}  // namespace

Duration parse_duration(std::string_view text, std::string_view what) {
  auto fail = [&](const std::string& why) -> Duration {
    throw InputError("", std::string(what), "'" + std::string(text) + "' is not a duration (" + why + ")");
  };
  if (text.empty()) return fail("empty");
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return fail("expected a number");
    double value = 0;
    auto number = text.substr(start, i - start);
    auto res = std::from_chars(number.data(), number.data() + number.size(), value);
    if (res.ec != std::errc() || res.ptr != number.data() + number.size()) return fail("malformed number");
    size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    double scale = unit_micros(text.substr(unit_start, i - unit_start));
    if (scale < 0) return fail("units are us, ms, s, m, h");
    if (unit_start == i && start != 0) return fail("a number without a unit must stand alone");
    total += value * scale;
  }
  if (total > 1e15) return fail("longer than 30 years");
  return Duration(static_cast<long long>(std::llround(total)));
}

std::string duration_text(double us) {
  if (us < 1000) return fmt::format("{:.0f}µs", us);
  if (us < 1e6) return fmt::format("{:.2f}ms", us / 1e3);
  return fmt::format("{:.2f}s", us / 1e6);
}

}  // namespace reprise
