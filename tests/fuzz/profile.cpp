// libFuzzer harness: a replay profile (`replay --profile FILE`) through Profile::load, then what
// a replay does with it next: --time-scale and --load-scale, and the run's whole length. Bad
// input may only be refused with InputError.
#include "replay/Profile.hpp"

#include "Harness.hpp"
#include "InputError.hpp"

using namespace reprise;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto profile = replay::Profile::load(fuzz::input_file(data, size));
    profile.scale_time(0.1);
    profile.scale_load(10);
    (void)profile.total_duration();
  } catch (const InputError&) {
  }
  return 0;
}
