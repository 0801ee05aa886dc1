// libFuzzer harness: a fault file (`proxy --faults FILE`) through FaultSet::load, then what the
// proxy and the admin API do with it: a drill's --time-scale on the windows, the faults chosen
// for a few requests (matching, percent, each kind's draw), and GET /faults' JSON, which must
// load again as the same set. Bad input may only be refused with InputError.
#include "Harness.hpp"
#include "InputError.hpp"
#include "faults/FaultSet.hpp"
#include "http/MessageParser.hpp"

using namespace reprise;
using fuzz::broken;

namespace {

constexpr const char* kRequests[] = {
    "GET /api/notifications/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
    "POST /api/chat/rooms/7/messages?draft=1&to=a%20b HTTP/1.1\r\nHost: x\r\nX-User: u1\r\n\r\n",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  faults::FaultSet set;
  try {
    set = faults::FaultSet::load(fuzz::input_file(data, size));
  } catch (const InputError&) {
    return 0;
  }
  nlohmann::json listed = set.to_json();
  try {
    if (faults::FaultSet::parse(listed, "listed").to_json() != listed)
      broken("GET /faults lists the set it has");
  } catch (const InputError& e) {
    broken("what GET /faults lists loads again", e.what());
  }
  set.scale_windows(0.1);
  faults::Random random(1);
  for (const char* text : kRequests) {
    http::MessageParser request(http::MessageParser::Type::request);
    if (request.parse_head(text)) broken("the harness's own requests parse");
    for (auto since_start : {faults::Duration(0), faults::Duration(90'000'000)})
      (void)set.choose(request.head(), since_start, random);
  }
  return 0;
}
