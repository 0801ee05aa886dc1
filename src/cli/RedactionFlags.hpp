// The --redact and --redact-rules flags of every command that writes captures from traffic
// (proxy --record, import pcap|har, record): adding them to a subcommand, checking them, and
// turning them into rules, a Redactor and the capture header's redaction field.
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
  // The rules asked for, or none for --redact none (after one warning naming `output`); throws
  // InputError for a bad rules file or --redact-rules with --redact none.
  std::optional<capture::RedactionRules> rules(const std::string& output) const;
  std::optional<capture::Redactor> redactor(const std::string& output) const;
  // The capture header's redaction field: "default", "none" or "default+rules".
  std::string header_value() const;
};

}  // namespace reprise::cli
