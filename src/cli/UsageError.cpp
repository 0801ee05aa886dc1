// Turns a CLI11 parse error into one line, looking at what the parse left over (CLI11 puts every
// argument nobody took, unknown flags included, into the root's remaining()).
#include "cli/UsageError.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <optional>

#include "cli/Spelling.hpp"

namespace reprise::cli {
namespace {

// The innermost command the parse got into (the root when none).
const CLI::App* innermost(const CLI::App& root) {
  const CLI::App* at = &root;
  for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands()) at = subs.front();
  return at;
}

// "import har" for `reprise import har`, "" for the root.
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app && app->get_parent(); app = app->get_parent())
    path = app->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

std::string help_hint(const std::string& path) {
  return "run 'reprise " + (path.empty() ? "" : path + " ") + "--help'";
}

bool is_flag(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return false;
  return !std::isdigit(static_cast<unsigned char>(arg[1])) && arg[1] != '.';  // -1, -.5: values
}

std::vector<std::string> subcommand_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty()) names.push_back(sub->get_name());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Every flag `app` takes, its parents' included (they fall through), as typed: --name or -n.
std::vector<std::string> flag_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app; app = app->get_parent())
    for (const auto* opt : app->get_options()) {
      if (!opt->nonpositional()) continue;
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
      for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    }
  return names;
}

std::string bare(const std::string& flag) { return flag.substr(flag.find_first_not_of('-')); }

std::string unknown_flag_line(const CLI::App* at, std::string typed) {
  typed = typed.substr(0, typed.find('='));
  std::vector<std::string> flags = flag_names(at), bare_flags;
  for (const auto& f : flags) bare_flags.push_back(bare(f));
  const std::string path = command_path(at);
  std::string line = (path.empty() ? "" : path + ": ") + "unknown flag '" + typed + "'; ";
  auto guess = closest_name(bare(typed), bare_flags);
  if (!guess) return line + help_hint(path);
  for (size_t i = 0; i < flags.size(); ++i)
    if (bare_flags[i] == *guess) return line + "did you mean '" + flags[i] + "'?";
  return line + help_hint(path);
}

std::string unknown_command_line(const CLI::App* at, const std::string& typed) {
  const std::string path = command_path(at), prefix = path.empty() ? "" : path + " ";
  std::string line = "unknown command '" + prefix + typed + "'; ";
  if (auto guess = closest_name(typed, subcommand_names(at)))
    return line + "did you mean '" + prefix + *guess + "'?";
  return line + "the commands are " + joined(subcommand_names(at)) + "; " + help_hint(path);
}

}  // namespace

std::string usage_error_line(const CLI::App& root, const CLI::Error& error) {
  const CLI::App* at = innermost(root);
  const std::string path = command_path(at);
  const auto left = root.remaining(true);
  const bool wants_command = at->get_require_subcommand_min() > 0;

  // A command was due: the first word left over (not the value of an unknown flag) was meant as one.
  if (wants_command) {
    for (size_t i = 0; i < left.size(); ++i) {
      if (is_flag(left[i])) continue;
      if (i > 0 && is_flag(left[i - 1]) && left[i - 1].find('=') == std::string::npos) continue;
      return unknown_command_line(at, left[i]);
    }
  }
  for (const auto& arg : left)
    if (is_flag(arg)) return unknown_flag_line(at, arg);
  if (wants_command)
    return (path.empty() ? "" : path + ": ") + "a command is required (" + joined(subcommand_names(at)) +
           "); " + help_hint(path);
  if (dynamic_cast<const CLI::ExtrasError*>(&error) && !left.empty())
    return (path.empty() ? "" : path + ": ") + "unexpected argument '" + left.front() + "'; " +
           help_hint(path);

  std::string what = error.what();
  for (char& c : what)
    if (c == '\n') c = ' ';
  if (dynamic_cast<const CLI::RequiredError*>(&error)) what += "; " + help_hint(path);
  return what;
}

}  // namespace reprise::cli
