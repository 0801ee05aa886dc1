// `reprise demo`: the scripted walk through a recording proxy in front of the chat service, all
// on loopback (demo/DemoScript). This file only adds the command and its flags.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "demo/DemoScript.hpp"

namespace reprise::cli {

void add_demo_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<demo::DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "Chat service + proxy on loopback, a scripted session through them");
  cmd->add_option("--record", options->record, "Capture of the session (empty: do not record nor replay)")
      ->capture_default_str();
  cmd->add_option("--summary", options->summary, "Write the replay's summary (JSON) to this file");
  cmd->add_option("--spike", options->spike, "The replay's peak, sessions started a second")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  cmd->add_option("--delivery-rate", options->delivery_rate,
                  "The chat service's notification consumer, events a second (0: unbounded)")
      ->check(whole_number(0, 1'000'000'000))
      ->capture_default_str();
  cmd->callback([options, &exit_code] { exit_code = demo::run_demo(*options); });
}

}  // namespace reprise::cli
