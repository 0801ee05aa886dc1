#include "cli/RedactionFlags.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "InputError.hpp"

namespace reprise::cli {

void RedactionFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--redact", mode, "default (secrets become placeholders) or none")
      ->check(CLI::IsMember({"default", "none"}))
      ->capture_default_str();
  cmd.add_option("--redact-rules", rules_file,
                 "JSON file adding header names, field names and JSON paths to redact");
}

std::optional<capture::RedactionRules> RedactionFlags::rules(const std::string& output) const {
  if (mode == "none") {
    if (!rules_file.empty()) throw InputError("", "--redact-rules", "cannot be used with --redact none");
    spdlog::warn("writing {} without redaction: passwords and tokens are written as they are", output);
    return std::nullopt;
  }
  auto rules = capture::RedactionRules::defaults();
  if (!rules_file.empty()) rules.add_file(rules_file);
  return rules;
}

std::optional<capture::Redactor> RedactionFlags::redactor(const std::string& output) const {
  auto r = rules(output);
  if (!r) return std::nullopt;
  return capture::Redactor(std::move(*r));
}

std::string RedactionFlags::header_value() const {
  return mode == "none" ? "none" : rules_file.empty() ? "default" : "default+rules";
}

}  // namespace reprise::cli
