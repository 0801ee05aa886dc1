// `reprise import pcap|har FILE -o CAPTURE`: the `import` subcommand. `import pcap` is here
// (flags to PcapImportConfig, the import, its one-line summary on stderr); `import har` is
// added by HarCommands.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/RedactionFlags.hpp"
#include "importers/PcapImport.hpp"

namespace reprise::cli {
namespace {

struct ImportPcapFlags {
  std::string file;
  std::string output;
  int port = 0;
  uint64_t body_limit = uint64_t{64} * 1024;
  RedactionFlags redaction;
};

void import_pcap(const ImportPcapFlags& f) {
  importers::PcapImportConfig config;
  config.file = f.file;
  if (f.port) config.port = static_cast<uint16_t>(f.port);
  config.output = {f.output, "pcap", f.body_limit, f.redaction.header_value()};
  config.redactor = f.redaction.redactor(f.output);
  auto result = importers::import_pcap(std::move(config));
  std::fprintf(stderr, "reprise: imported %llu exchanges from %s to %s: %s%s%s\n",
               static_cast<unsigned long long>(result.written), f.file.c_str(), f.output.c_str(),
               result.stats.describe().c_str(),
               result.redacted.empty() ? "" : "; redacted: ", result.redacted.c_str());
}

void add_import_pcap(CLI::App& import_cmd, int& exit_code) {
  auto flags = std::make_shared<ImportPcapFlags>();
  auto* cmd =
      import_cmd.add_subcommand("pcap", "HTTP exchanges from a pcap or pcapng file (tcpdump, Wireshark)");
  cmd->add_option("file", flags->file, "pcap or pcapng file")->required();
  cmd->add_option("-o,--output", flags->output, "Capture to write (.jsonl)")->required();
  cmd->add_option("--port", flags->port, "The server's TCP port (default: every connection that speaks HTTP)")
      ->check(whole_number(1, 65535));
  cmd->add_option("--body-limit", flags->body_limit, "Bytes of each body kept in the capture")
      ->check(whole_number(0))
      ->capture_default_str();
  flags->redaction.add_to(*cmd);
  cmd->callback([flags, &exit_code] {
    import_pcap(*flags);
    exit_code = 0;
  });
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto* import_cmd = app.add_subcommand("import", "Turn a pcap or HAR file into a capture");
  import_cmd->require_subcommand(1);
  add_import_pcap(*import_cmd, exit_code);
  add_import_har(*import_cmd, exit_code);
}

}  // namespace reprise::cli
