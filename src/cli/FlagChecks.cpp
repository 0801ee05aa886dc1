// The flag validators: each returns "" for a good value, else the problem (CLI11 puts the flag's
// name before it).
#include "cli/FlagChecks.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

#include "Duration.hpp"
#include "InputError.hpp"

namespace reprise::cli {
namespace {

std::string got(const std::string& text) { return " (got " + text + ")"; }

}  // namespace

CLI::Validator more_than_zero(double most) {
  const std::string range =
      std::isinf(most) ? "more than 0" : fmt::format("more than 0 and at most {}", most);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() ||
            !std::isfinite(value))
          return "must be a number " + range + got(text);
        if (value <= 0 || value > most) return "must be " + range + got(text);
        return "";
      },
      std::isinf(most) ? "POSITIVE" : fmt::format("(0..{}]", most));
}

CLI::Validator whole_number(uint64_t least, uint64_t most) {
  const std::string range = most == std::numeric_limits<uint64_t>::max()
                                ? fmt::format("{} or more", least)
                                : fmt::format("from {} to {}", least, most);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        uint64_t value = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || r.ptr != text.data() + text.size() || r.ec == std::errc::invalid_argument)
          return "must be a whole number " + range + got(text);
        if (r.ec == std::errc::result_out_of_range || value < least || value > most)
          return "must be " + range + got(text);
        return "";
      },
      most == std::numeric_limits<uint64_t>::max() ? fmt::format("[{}..]", least)
                                                   : fmt::format("[{}..{}]", least, most));
}

CLI::Validator duration(bool zero_allowed) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        try {
          auto value = parse_duration(text, "");
          if (!zero_allowed && value.count() <= 0) return "must be more than 0" + got(text);
        } catch (const InputError& e) {
          return e.what();  // with no flag named, only the problem
        }
        return "";
      },
      zero_allowed ? "DURATION" : "DURATION>0");
}

std::chrono::microseconds duration_flag(const std::string& text, const char* flag) {
  return parse_duration(text, flag);
}

void add_io_uring_flag(CLI::App& cmd, bool& on) {
  cmd.add_option(
         "--io-uring", on,
         "Plain TCP reads and writes through each worker's io_uring (off: epoll, one system call each)")
      ->type_name("on|off")
      ->default_str("on");
}

}  // namespace reprise::cli
