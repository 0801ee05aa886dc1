// bandwidth: bytes per second, per connection, to the client (downstream, the default) or to the
// upstream (Toxiproxy's bandwidth): {"bytes_per_sec": 10240}. Written as a twentieth of a
// second's worth every 50 ms.
#include <algorithm>

#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

constexpr Duration kTick{50'000};

class Bandwidth : public FaultKind {
 public:
  explicit Bandwidth(double per_sec)
      : pacing_{std::max<size_t>(1, static_cast<size_t>(per_sec * static_cast<double>(kTick.count()) / 1e6)),
                kTick} {}
  void apply(Effects& e, Direction d, Random&) const override {
    (d == Direction::downstream ? e.to_client : e.to_upstream).slow_to(pacing_);
  }
  std::optional<Direction> default_direction() const override { return Direction::downstream; }

 private:
  Pacing pacing_;
};

}  // namespace

std::shared_ptr<const FaultKind> parse_bandwidth(const KindReader& r) {
  r.only({"bytes_per_sec"});
  if (!r.has("bytes_per_sec")) r.fail("", "needs \"bytes_per_sec\"");
  return std::make_shared<Bandwidth>(r.number("bytes_per_sec", 20, 1e12));
}

}  // namespace reprise::faults
