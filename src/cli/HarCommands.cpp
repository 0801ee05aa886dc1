// `reprise import har FILE -o CAPTURE` and `reprise export har CAPTURE -o FILE`: files in and
// out around importers/Har. The `import` subcommand itself belongs to ImportCommand.cpp, which
// calls add_import_har on it; `export` (HAR only so far) is added here whole.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "InputError.hpp"
#include "capture/CaptureFormat.hpp"
#include "capture/CaptureReader.hpp"
#include "capture/CaptureWriter.hpp"
#include "cli/Commands.hpp"
#include "cli/RedactionFlags.hpp"
#include "importers/Har.hpp"

namespace reprise::cli {
namespace {

struct HarImportFlags {
  std::string input;
  std::string output;
  RedactionFlags redaction;
};

struct HarExportFlags {
  std::string input;
  std::string output;
};

std::string counts_text(const std::map<std::string, uint64_t>& counts) {
  std::string out;
  for (const auto& [kind, n] : counts) out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(n);
  return out;
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

// Written beside the target and renamed at the end, so a capture found malformed half-way
// leaves no half HAR behind.
void export_har(const HarExportFlags& f) {
  capture::CaptureReader reader(f.input);
  std::string part = f.output + ".part";
  std::ofstream out(part, std::ios::binary | std::ios::trunc);
  if (!out) throw RuntimeFailure("cannot create " + part);
  uint64_t n = 0;
  try {
    importers::HarWriter writer(out, reader.header());
    capture::Exchange x;
    while (reader.next(x)) {
      writer.add(x);
      ++n;
    }
    writer.finish();
    out.close();
    if (!out) throw RuntimeFailure("cannot write " + part);
    if (std::rename(part.c_str(), f.output.c_str()) != 0)
      throw RuntimeFailure("cannot rename " + part + " to " + f.output);
  } catch (...) {
    std::remove(part.c_str());
    throw;
  }
  if (reader.tail_cut())
    spdlog::warn("{}: the last line was cut (a crash while recording?) and is left out", f.input);
  if (reader.dropped() > 0)
    spdlog::warn("{}: {} records were dropped by the recorder", f.input, reader.dropped());
  spdlog::info("exported {} exchanges from {} to {}", n, f.input, f.output);
}

}  // namespace

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

void add_export_command(CLI::App& app, int& exit_code) {
  auto* exp = app.add_subcommand("export", "Convert a capture for other tools");
  exp->require_subcommand(1);
  auto flags = std::make_shared<HarExportFlags>();
  auto* cmd =
      exp->add_subcommand("har", "Write a capture as HAR 1.2 (reprise-only fields under \"_reprise\")");
  cmd->add_option("capture", flags->input, "Capture file (.jsonl)")->required();
  cmd->add_option("-o,--output", flags->output, "HAR file to write")->required();
  cmd->callback([flags, &exit_code] {
    export_har(*flags);
    exit_code = 0;
  });
}

}  // namespace reprise::cli
