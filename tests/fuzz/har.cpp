// libFuzzer harness: a HAR file (`reprise import har`) through read_har, each exchange redacted
// and written as a capture line as the import writes it, and read back; then the exchanges
// exported again (`reprise export har`, HarWriter) and imported, which must give the same lines
// (capture → HAR → capture keeps every field). Bad input may only be refused with InputError.
#include "importers/Har.hpp"

#include <sstream>

#include "CaptureLine.hpp"
#include "capture/Redactor.hpp"

using namespace reprise;
using fuzz::broken;

namespace {

std::string lines_of(const std::vector<capture::Exchange>& exchanges) {
  std::string out;
  for (const auto& x : exchanges) capture::append_line(out, x);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  importers::HarCapture har;
  try {
    har = importers::read_har(fuzz::input_file(data, size));
  } catch (const InputError&) {
    return 0;
  }
  capture::Redactor redactor(capture::RedactionRules::defaults());
  for (auto& x : har.exchanges) {
    redactor.redact(x);
    std::string line;
    capture::append_line(line, x);
    (void)fuzz::read_back(line);
  }

  std::ostringstream exported;
  importers::HarWriter writer(exported, har.header);
  for (const auto& x : har.exchanges) writer.add(x);
  writer.finish();
  auto j = nlohmann::json::parse(exported.str(), nullptr, false);
  if (j.is_discarded()) broken("an exported HAR is JSON", exported.str());
  try {
    auto again = importers::har_to_capture(j, "exported");
    if (lines_of(again.exchanges) != lines_of(har.exchanges))
      broken("capture → HAR → capture keeps every field",
             lines_of(har.exchanges) + lines_of(again.exchanges));
  } catch (const InputError& e) {
    broken("an exported HAR imports again", std::string(e.what()) + "\n" + exported.str());
  }
  return 0;
}
