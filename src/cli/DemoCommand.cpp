// `reprise demo`: the scripted walk through a recording proxy in front of the chat service, all
// on loopback (demo/DemoScript). This file only adds the command and its one flag.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/Commands.hpp"
#include "demo/DemoScript.hpp"

namespace reprise::cli {

void add_demo_command(CLI::App& app, int& exit_code) {
  auto record = std::make_shared<std::string>("demo-capture.jsonl");
  auto* cmd = app.add_subcommand("demo", "Chat service + proxy on loopback, a scripted session through them");
  cmd->add_option("--record", *record, "Capture of the session (empty: do not record)")
      ->capture_default_str();
  cmd->callback([record, &exit_code] { exit_code = demo::run_demo(*record); });
}

}  // namespace reprise::cli
