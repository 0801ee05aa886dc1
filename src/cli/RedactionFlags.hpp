// The --redact and --redact-rules flags of the commands that write captures from traffic
// (import har, and any other importer that wants them): adding them to a subcommand, checking
// them, and turning them into a Redactor and the capture header's redaction field.
#pragma once

#include <CLI/App.hpp>
#include <optional>
#include <string>

#include "capture/Redactor.hpp"

namespace reprise::cli {

struct RedactionFlags {
  std::string mode = "default";  // "default" or "none"
  std::string rules_file;

  void add_to(CLI::App& cmd);
  // The redactor asked for, or none for --redact none (after one warning); throws InputError
  // for a bad rules file or --redact-rules with --redact none.
  std::optional<capture::Redactor> redactor(const std::string& output) const;
  // The capture header's redaction field: "default", "none" or "default+rules".
  std::string header_value() const;
};

}  // namespace reprise::cli
