// slice: writes cut into pieces of `bytes` with a pause after each (Toxiproxy's slicer), to
// the client (downstream, the default) or the upstream: {"bytes": 16, "pause": "5ms"}.
#include "faults/FaultKinds.hpp"
#include "faults/PacedWrites.hpp"

namespace reprise::faults {
namespace {

std::shared_ptr<const FaultKind> parse_slice(const KindReader& r) {
  r.only({"bytes", "pause"});
  if (!r.has("bytes") || !r.has("pause")) r.fail("", "needs \"bytes\" and \"pause\"");
  return std::make_shared<PacedWrites>(
      Pacing{static_cast<size_t>(r.number("bytes", 1, 1 << 20)), r.duration("pause")});
}

[[maybe_unused]] const bool slice_registered = register_kind("slice", parse_slice);

}  // namespace
}  // namespace reprise::faults
