// `reprise replay CAPTURE --target URL --profile FILE`: the replay command's flags. The run
// itself (shared with drill) is cli/ReplayRun; this file must not grow run logic of its own.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/ReplayRun.hpp"

namespace reprise::cli {

void add_replay_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ReplayRun>();
  auto* cmd =
      app.add_subcommand("replay", "Replay a capture against a target at the rate and shape a profile asks");
  cmd->add_option("capture", f->capture, "Capture file (.jsonl); default: the one the profile names");
  cmd->add_option("--target", f->target, "http://host[:port] or https://host[:port] to send the traffic to")
      ->required();
  f->tls.add_to(*cmd, "");
  cmd->add_option("--profile", f->profile, "Profile file (profiles/*.json)")->required();
  cmd->add_option("--speed", f->speed,
                  "replay-timing: speed multiplier (default: the profile's speed, else 1)")
      ->check(more_than_zero());
  f->add_scale_flags(*cmd);
  cmd->add_option("--shard", f->shard, "i/N: this process's deterministic share")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Worker threads")
      ->check(whole_number(1, 256))
      ->capture_default_str();
  add_io_uring_flag(*cmd, f->io_uring);
  f->outputs.add_to(*cmd, RunOutputFlags::Command::replay);
  f->add_compare_flags(*cmd);
  cmd->add_flag("--no-correlate", f->no_correlate, "Turn automatic correlation off");
  cmd->add_flag("--keep-host", f->keep_host, "Send the recorded Host header instead of the target's");
  cmd->add_option("--connect-timeout", f->connect_timeout, "Per connection attempt")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--request-timeout", f->request_timeout, "Per request, from its intended start")
      ->check(duration())
      ->capture_default_str();
  cmd->callback([f, &exit_code] { f->run(exit_code); });
}

}  // namespace reprise::cli
