// bandwidth: bytes per second, per connection, to the client (downstream, the default) or to the
// upstream (Toxiproxy's bandwidth): {"bytes_per_sec": 10240}. Written as a twentieth of a
// second's worth every 50 ms.
#include <algorithm>

#include "faults/FaultKinds.hpp"
#include "faults/PacedWrites.hpp"

namespace reprise::faults {
namespace {

std::shared_ptr<const FaultKind> parse_bandwidth(const KindReader& r) {
  constexpr Duration kTick{50'000};
  r.only({"bytes_per_sec"});
  if (!r.has("bytes_per_sec")) r.fail("", "needs \"bytes_per_sec\"");
  const double per_sec = r.number("bytes_per_sec", 20, 1e12);
  return std::make_shared<PacedWrites>(Pacing{
      std::max<size_t>(1, static_cast<size_t>(per_sec * static_cast<double>(kTick.count()) / 1e6)), kTick});
}

[[maybe_unused]] const bool bandwidth_registered = register_kind("bandwidth", parse_bandwidth);

}  // namespace
}  // namespace reprise::faults
