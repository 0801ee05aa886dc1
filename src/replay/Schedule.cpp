// The timing math of the replay executors (see Schedule.hpp). Everything here is arithmetic on the
// Profile; keep clocks, sleeping and I/O out.
#include "replay/Schedule.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace reprise::replay {

using std::chrono::microseconds;

namespace {

// Sums like 5000/s over 20 s must come out as exactly 100000 iterations, not 100000.00000000001
// (one iteration too many) or 99999.99999999999; the tolerance is far above the rounding error
// of a few double operations and far below a fraction of an iteration anyone could mean.
double snap_to_whole(double x) {
  double whole = std::round(x);
  double tolerance = std::max(1e-9, 1e-12 * std::abs(x));
  return std::abs(x - whole) <= tolerance ? whole : x;
}

// The time τ ≥ 0 at which ∫₀^τ (a + b·s) ds = aτ + bτ²/2 reaches m. Written as
// 2m / (a + √(a² + 2bm)) rather than the schoolbook formula: no cancellation when b is tiny or
// 0, and it holds for falling rates; a² + 2bm can only dip below 0 through rounding at the end
// of a ramp down to rate 0.
double time_to_reach(double m, double a, double b) {
  if (m <= 0) return 0;
  double denominator = a + std::sqrt(std::max(0.0, a * a + 2 * b * m));
  return denominator > 0 ? 2 * m / denominator : 0;
}

}  // namespace

ArrivalSchedule::ArrivalSchedule(const Profile& p) : time_unit_(p.time_unit) {
  if (p.executor == Executor::constant_arrival_rate) {
    add(p.duration, p.rate, p.rate);
  } else if (p.executor == Executor::ramping_arrival_rate) {
    double from = p.start_rate;
    for (const auto& stage : p.stages) {
      add(stage.duration, from, stage.target);
      from = stage.target;
    }
  }
  if (!segments_.empty()) total_ = static_cast<uint64_t>(std::ceil(segments_.back().done_after));
}

void ArrivalSchedule::add(microseconds length, double from, double to) {
  microseconds start = end_;
  end_ += length;
  if (length <= microseconds(0)) return;  // a zero-duration stage only moves the rate
  Segment s;
  s.start = start;
  s.length = static_cast<double>(length.count()) / static_cast<double>(time_unit_.count());
  s.start_rate = from;
  s.slope = (to - from) / s.length;
  double done_before = segments_.empty() ? 0 : segments_.back().done_after;
  s.done_after = snap_to_whole(done_before + (from + to) / 2 * s.length);
  segments_.push_back(s);
}

std::optional<microseconds> ArrivalSchedule::due(uint64_t n) const {
  if (n >= total_) return std::nullopt;
  double wanted = static_cast<double>(n);
  // The first segment whose integral rises past n: flat stretches at rate 0 are skipped, so an
  // iteration that falls exactly at the start of one waits until the rate picks up again.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), wanted,
                             [](double v, const Segment& s) { return v < s.done_after; });
  if (it == segments_.end()) return std::nullopt;
  double done_before = it == segments_.begin() ? 0 : std::prev(it)->done_after;
  double tau = time_to_reach(wanted - done_before, it->start_rate, it->slope);
  double offset = std::min(tau, it->length) * static_cast<double>(time_unit_.count());
  microseconds at = it->start + microseconds(std::llround(offset));
  // Rounding to whole microseconds must not push an existing iteration onto the end.
  return std::min(at, end_ - microseconds(1));
}

uint64_t ArrivalSchedule::total() const { return total_; }

microseconds ArrivalSchedule::end() const { return end_; }

namespace {

int ramping_vus_at(const Profile& p, microseconds t) {
  microseconds stage_start{0};
  double from = p.start_vus;
  for (const auto& stage : p.stages) {
    if (t < stage_start + stage.duration) {
      // Multiply before dividing: whole microseconds and whole VUs keep k6's exact steps. As k6,
      // a VU starts when a rising ramp reaches its number and stops when a falling ramp goes
      // below the one under it: the stage's target is held from its end into a ramp down.
      double into = static_cast<double>((t - stage_start).count());
      double vus = from + (stage.target - from) * into / static_cast<double>(stage.duration.count());
      return static_cast<int>(stage.target < from ? std::ceil(vus) : std::floor(vus));
    }
    stage_start += stage.duration;
    from = stage.target;
  }
  return 0;
}

}  // namespace

int vus_peak_between(const Profile& p, microseconds from, microseconds to) {
  int most = vus_at(p, to);
  if (p.executor != Executor::ramping_vus) return most;
  microseconds boundary{0};
  for (const auto& stage : p.stages) {
    boundary += stage.duration;
    if (boundary > from && boundary < to) most = std::max(most, vus_at(p, boundary));
  }
  return most;
}

int vus_at(const Profile& p, microseconds t) {
  t = std::max(t, microseconds(0));
  if (p.executor == Executor::constant_vus) return t < p.duration ? p.vus : 0;
  if (p.executor == Executor::ramping_vus) return ramping_vus_at(p, t);
  return p.vus;
}

}  // namespace reprise::replay
