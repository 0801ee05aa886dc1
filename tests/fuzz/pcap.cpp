// libFuzzer harness: a pcap or pcapng file (`reprise import pcap`) through import_pcap: libpcap's
// reader, frame decoding, TCP reassembly, HTTP parsing of both directions and the capture written
// with default redaction; the capture it writes must then read back whole. Bad input may only be
// refused with InputError.
#include <stdlib.h>
#include <unistd.h>

#include "Harness.hpp"
#include "InputError.hpp"
#include "capture/CaptureReader.hpp"
#include "importers/PcapImport.hpp"

using namespace reprise;
using fuzz::broken;

namespace {

// Where the imports write: a folder per process in memory (/dev/shm), removed at exit (a crash
// leaves it behind).
const std::string& output_path() {
  static struct Folder {
    std::string dir = [] {
      char name[] = "/dev/shm/reprise-fuzz-pcap-XXXXXX";
      if (!::mkdtemp(name)) broken("a folder can be made in /dev/shm");
      return std::string(name);
    }();
    std::string capture = dir + "/imported.jsonl";
    ~Folder() {
      ::unlink(capture.c_str());
      ::rmdir(dir.c_str());
    }
  } folder;
  return folder.capture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  importers::PcapImportConfig config;
  config.file = fuzz::input_file(data, size);
  config.output.path = output_path();
  config.output.source = "pcap";
  config.redactor.emplace(capture::RedactionRules::defaults());
  importers::PcapImportResult result;
  try {
    result = importers::import_pcap(std::move(config));
  } catch (const InputError&) {
    return 0;
  }
  try {
    auto read = capture::CaptureReader::read_all(output_path());
    if (read.size() != result.written) broken("an imported capture holds every exchange the import wrote");
  } catch (const InputError& e) {
    broken("an imported capture reads back", e.what());
  }
  ::unlink(output_path().c_str());
  return 0;
}
