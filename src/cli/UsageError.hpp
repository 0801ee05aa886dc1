// The one line printed for a command line that CLI11 refused: an unknown command or flag gets
// "did you mean" (the closest real name, from Spelling), a missing command the list of them,
// anything else CLI11's own message. main prints it after "reprise: " and exits 1.
#pragma once

#include <CLI/App.hpp>
#include <string>

namespace reprise::cli {

// `root` is the app that threw `error` from parse(); what it parsed so far tells which command
// the line is about.
std::string usage_error_line(const CLI::App& root, const CLI::Error& error);

}  // namespace reprise::cli
