// Validators for the numeric and duration flags, so that a nonsense value is refused while the
// command line is parsed, with one message form: "--speed: must be more than 0 (got 0)"; and the
// reading of a duration flag's value. Nothing here knows which command a flag belongs to.
#pragma once

#include <CLI/App.hpp>
#include <CLI/Error.hpp>  // Validators.hpp uses it without including it
#include <CLI/Validators.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace reprise::cli {

// A finite number more than 0 and at most `most`.
CLI::Validator more_than_zero(double most = std::numeric_limits<double>::infinity());

// A whole number from `least` to `most` (no sign, no fraction).
CLI::Validator whole_number(uint64_t least, uint64_t most = std::numeric_limits<uint64_t>::max());

// A duration (500ms, 10s, 2m), more than 0 when `zero_allowed` is false.
CLI::Validator duration(bool zero_allowed = false);

// --io-uring on|off (on by default), the same on the commands that run workers: whether plain TCP
// reads and writes go through each worker's io_uring.
void add_io_uring_flag(CLI::App& cmd, bool& on);

// The value of a duration flag the validator above has passed; throws InputError naming `flag`.
std::chrono::microseconds duration_flag(const std::string& text, const char* flag);

}  // namespace reprise::cli
