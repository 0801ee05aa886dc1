// A fault: which exchanges it hits (match, percent, window) and what its kind does to them.
// The kind is one small class behind FaultKind; what a kind asks of an exchange is written into
// Effects, which the proxy's session reads at the points where it acts (before the upstream,
// before the answer, while writing, at the close). Parsing and choosing only: no sockets here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/MessageHead.hpp"
#include "http/RoutePattern.hpp"

namespace reprise::faults {

using Duration = std::chrono::microseconds;
using Random = std::mt19937_64;

enum class Direction { upstream, downstream };

// Writes of at most `bytes`, each followed by `pause`: bandwidth and slice. 0 bytes: unpaced.
struct Pacing {
  size_t bytes = 0;
  Duration pause{0};

  // Two faults pacing one direction: the slower pace wins.
  void slow_to(const Pacing& other) {
    if (bytes == 0 || static_cast<double>(other.bytes) / static_cast<double>(other.pause.count() + 1) <
                          static_cast<double>(bytes) / static_cast<double>(pause.count() + 1))
      *this = other;
  }
};

// What the faults that hit one exchange ask of it. Each kind sets its own fields; the session
// does what is set, in the order the fields are listed.
struct Effects {
  bool reset = false;                // close the client connection with a TCP RST, answer nothing
  std::optional<Duration> hold;      // timeout: hold the request this long, then close silently
  bool upstream_down = false;        // answered as when the upstream refuses connections (502)
  std::optional<int> answer_status;  // abort: the proxy answers, the upstream is not asked
  std::string answer_body;
  Duration request_delay{0};       // before the request goes upstream
  Duration response_delay{0};      // before the answer goes to the client
  Pacing to_client, to_upstream;   // bandwidth, slice
  uint64_t cut_after_events = 0;   // sse_drop: close the stream after this many events (0: no)
  Duration cut_after{0};           // sse_drop: or after this long (0: no)
  Duration close_delay{0};         // slow_close: wait before closing the client connection
  std::vector<std::string> names;  // the faults that acted, for faults_injected and the access log

  bool any() const { return !names.empty(); }
};

// One kind of fault (delay, abort, ...): parsed once from its JSON, then asked for each
// exchange the fault hits. `apply` may draw from `random` (a delay's distribution).
class FaultKind {
 public:
  virtual ~FaultKind() = default;
  virtual void apply(Effects& effects, Direction direction, Random& random) const = 0;
  // The direction it acts in when the fault does not say; nullopt: direction means nothing
  // for the kind, and a fault of it that names one is refused.
  virtual std::optional<Direction> default_direction() const { return std::nullopt; }
};

// Which requests a fault looks at: every part given must hold.
struct Match {
  std::string method;                                        // empty: any
  std::optional<http::PathPattern> path;                     // '*' for one segment
  std::vector<std::pair<std::string, std::string>> headers;  // name, value ("": present)
  std::vector<std::pair<std::string, std::string>> query;    // name, value ("": present)

  bool matches(const http::MessageHead& request) const;
};

struct Fault {
  std::string name;
  std::string kind;  // "delay", "abort", ...
  Match match;
  double percent = 100;
  Direction direction = Direction::upstream;
  std::optional<std::pair<Duration, Duration>> window;  // [start, end) from the proxy's start
  std::shared_ptr<const FaultKind> action;
  nlohmann::json source;  // as written, for GET /faults

  bool active_at(Duration since_start) const {
    return !window || (since_start >= window->first && since_start < window->second);
  }
};

}  // namespace reprise::faults
