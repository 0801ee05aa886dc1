#include <CLI/CLI.hpp>

#include "cli/Commands.hpp"

namespace reprise::cli {
void add_upstream_demo_command(CLI::App&, int&) {}
void add_demo_command(CLI::App&, int&) {}
}  // namespace reprise::cli
