// libFuzzer harness: a capture file (JSON Lines) through CaptureReader, every exchange read then
// written again as the recorder and importers write it (CaptureLines, default redaction) and
// read back, and exported as `reprise export har` does (HarWriter). Bad input may only be refused
// with InputError; what reprise writes, it must read, and a line written, read and written again
// must come out the same.
#include <sstream>

#include "CaptureLine.hpp"
#include "capture/CaptureLines.hpp"
#include "capture/CaptureReader.hpp"
#include "importers/Har.hpp"

using namespace reprise;
using fuzz::broken;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::input_file(data, size);
  try {
    capture::CaptureReader reader(path);
    capture::CaptureLines lines{capture::Redactor(capture::RedactionRules::defaults())};
    std::ostringstream har;
    importers::HarWriter exported(har, reader.header());
    capture::Exchange x;
    while (reader.next(x)) {
      exported.add(x);
      std::string line, again;
      lines.append(line, x);
      capture::append_line(again, fuzz::read_back(line));
      if (again != line) broken("a capture line written, read and written again is the same", line + again);
    }
    exported.finish();
  } catch (const InputError&) {
  }
  return 0;
}
