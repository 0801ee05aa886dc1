// `reprise import pcap|har FILE -o CAPTURE`: flags to importers/PcapImport or importers/Har,
// the capture written (redacted unless asked otherwise) and a one-line summary on stderr. The
// reading of either format is the importers'; this file must not parse packets or HAR.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "InputError.hpp"
#include "capture/CaptureFormat.hpp"
#include "capture/CaptureWriter.hpp"
#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/RedactionFlags.hpp"
#include "importers/Har.hpp"
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

struct HarImportFlags {
  std::string input;
  std::string output;
  RedactionFlags redaction;
};

std::string counts_text(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [kind, n] : counts) out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  return out;
}

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

void import_har(const HarImportFlags& f) {
  auto har = importers::read_har(f.input);  // every entry checked before the capture is created
  auto redactor = f.redaction.redactor(f.output);
  har.header.redaction = f.redaction.header_value();
  capture::CaptureWriter writer(f.output, har.header);
  std::string lines;
  auto flush = [&] {
    if (!writer.write(lines))
      throw RuntimeFailure("cannot write capture " + f.output + ": " + writer.error());
    lines.clear();
  };
  for (auto& x : har.exchanges) {
    if (redactor) redactor->redact(x);
    capture::append_line(lines, x);
    if (lines.size() >= (1u << 20)) flush();
  }
  flush();
  if (har.other_versions > 0)
    spdlog::info("{} entries were HTTP/2, HTTP/3 or had no version: written as HTTP/1.1 requests",
                 har.other_versions);
  spdlog::info("imported {} exchanges from {} into {}{}{}", har.exchanges.size(), f.input, f.output,
               redactor && !redactor->counts().empty() ? "; redacted: " : "",
               redactor ? counts_text(redactor->counts()) : "");
}

void add_import_har(CLI::App& import_cmd, int& exit_code) {
  auto flags = std::make_shared<HarImportFlags>();
  auto* cmd = import_cmd.add_subcommand(
      "har", "Convert a HAR 1.2 file (browsers, mitmproxy, Charles) into a capture");
  cmd->add_option("file", flags->input, "HAR file")->required();
  cmd->add_option("-o,--output", flags->output, "Capture to write (.jsonl)")->required();
  flags->redaction.add_to(*cmd);
  cmd->callback([flags, &exit_code] {
    import_har(*flags);
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
