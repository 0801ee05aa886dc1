// `reprise record --interface IF --port N -o CAPTURE`: flags to InterfaceRecordingConfig, then
// the recording until a signal or --duration, and its one-line summary on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/RedactionFlags.hpp"
#include "importers/InterfaceRecording.hpp"

namespace reprise::cli {
namespace {

struct RecordFlags {
  std::string interface;
  int port = 0;
  std::string output;
  std::string duration;
  uint64_t body_limit = uint64_t{64} * 1024;
  RedactionFlags redaction;
};

void run(const RecordFlags& f) {
  importers::InterfaceRecordingConfig config;
  config.interface = f.interface;
  config.port = static_cast<uint16_t>(f.port);
  if (!f.duration.empty()) config.duration = duration_flag(f.duration, "--duration");
  config.output = {f.output, "interface", f.body_limit, f.redaction.header_value()};
  config.redactor = f.redaction.redactor(f.output);
  auto result = importers::record_interface(std::move(config));
  std::fprintf(stderr,
               "reprise: recorded %llu exchanges on %s port %d to %s in %.1f s: %s; %llu packets dropped by "
               "the kernel%s%s\n",
               static_cast<unsigned long long>(result.written), f.interface.c_str(), f.port, f.output.c_str(),
               result.seconds, result.stats.describe().c_str(),
               static_cast<unsigned long long>(result.kernel_drops),
               result.redacted.empty() ? "" : "; redacted: ", result.redacted.c_str());
}

}  // namespace

void add_record_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RecordFlags>();
  auto* cmd = app.add_subcommand("record", "Passive recording of one TCP port on a live interface (libpcap)");
  cmd->add_option("--interface", flags->interface, "The interface to capture on (lo, eth0, any)")->required();
  cmd->add_option("--port", flags->port, "The server's TCP port")->required()->check(whole_number(1, 65535));
  cmd->add_option("-o,--output", flags->output, "The capture to write (JSON Lines)")->required();
  cmd->add_option("--duration", flags->duration,
                  "Stop after this long (500ms, 10s, 2m); default: until SIGINT/SIGTERM")
      ->check(duration());
  cmd->add_option("--body-limit", flags->body_limit, "Bytes of each body kept in the capture")
      ->check(whole_number(0))
      ->capture_default_str();
  flags->redaction.add_to(*cmd);
  cmd->callback([flags, &exit_code] {
    run(*flags);
    exit_code = 0;
  });
}

}  // namespace reprise::cli
