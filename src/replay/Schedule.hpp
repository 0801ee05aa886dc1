// The timing math of the replay executors: when each iteration of an arrival-rate run is due, and
// how many VUs a closed-model run wants at a given moment. Pure functions of the Profile: no
// clocks, no threads, no I/O; the executors that start iterations live elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "replay/Profile.hpp"

namespace reprise::replay {

// Open model (constant-arrival-rate, ramping-arrival-rate): when iteration n (0-based) is due.
// The rate (iterations per time_unit) is `rate` for `duration`, or goes linearly from
// `start_rate` to each stage's target over the stage's duration (k6's ramping-arrival-rate).
// Iteration n is due at the first time t where the integral of the rate from 0 to t reaches n
// and keeps rising, so iteration 0 is due at 0 when the rate starts above 0 (or rises from 0),
// and an iteration never falls inside a stretch at rate 0. Iterations due at or after the end
// do not exist. Random access (no state) so that shards can take every N-th iteration.
// Profiles of other executors have no iterations.
class ArrivalSchedule {
 public:
  explicit ArrivalSchedule(const Profile& p);
  std::optional<std::chrono::microseconds> due(uint64_t n) const;  // nullopt: past the end
  uint64_t total() const;                                          // how many iterations exist
  std::chrono::microseconds end() const;

 private:
  // One stretch of linear rate; only stretches with a duration above 0 are kept.
  struct Segment {
    std::chrono::microseconds start{0};
    double length = 0;      // in time units
    double start_rate = 0;  // iterations per time unit
    double slope = 0;       // change of the rate per time unit
    double done_after = 0;  // the integral of the rate from 0 to the end of this segment
  };

  std::chrono::microseconds time_unit_;
  std::chrono::microseconds end_{0};
  std::vector<Segment> segments_;
  uint64_t total_ = 0;

  void add(std::chrono::microseconds length, double from, double to);
};

// Closed model: the VUs wanted at time t from the start: `vus` for constant-vus (0 at or after
// duration), linear interpolation from start_vus through the stages for ramping-vus (rounded
// down on a rising ramp and up on a falling one, as k6 does; 0 at or after the end of the last
// stage, when the run is over). For other executors (per-vu-iterations), `vus`.
int vus_at(const Profile& p, std::chrono::microseconds t);

// The most VUs wanted at any time in (from, to]: vus_at(to), or a stage's target reached in
// between (a peak that a late look would miss).
int vus_peak_between(const Profile& p, std::chrono::microseconds from, std::chrono::microseconds to);

}  // namespace reprise::replay
