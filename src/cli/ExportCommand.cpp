// `reprise export har CAPTURE -o FILE`: a capture written for other tools; HAR is the one
// format (importers/Har writes it). The file appears whole or not at all; nothing else here.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "InputError.hpp"
#include "capture/CaptureReader.hpp"
#include "cli/Commands.hpp"
#include "importers/Har.hpp"

namespace reprise::cli {
namespace {

struct HarExportFlags {
  std::string input;
  std::string output;
};

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
