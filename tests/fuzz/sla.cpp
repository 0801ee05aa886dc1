// libFuzzer harness: an SLA file (`proxy --sla FILE`) through read_sla_file, and the same file as
// a routes file (`--routes FILE`). Bad input may only be refused with InputError.
#include "Harness.hpp"
#include "InputError.hpp"
#include "proxy/SlaFile.hpp"

using namespace reprise;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::input_file(data, size);
  try {
    (void)proxy::read_sla_file(path);
  } catch (const InputError&) {
  }
  try {
    (void)proxy::read_routes_file(path);
  } catch (const InputError&) {
  }
  return 0;
}
