// The examples that end every command's --help (CLI11 footers), kept together so that they are
// read, and kept true, side by side.
#pragma once

#include <CLI/App.hpp>

namespace reprise::cli {

// Sets the footer of `root` and of each of its commands (nested ones included) that has
// examples; call it once every command is added.
void add_help_examples(CLI::App& root);

}  // namespace reprise::cli
