// A fault: which exchanges it hits (match, percent, window) and what its kind does to them.
// What a kind does, it does through faults/FaultAction's hooks at the proxy session's fault
// points. Parsing and choosing only: no sockets here.
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

class FaultAction;

// One kind of fault (delay, abort, ...): parsed once from its JSON (faults/kinds/, one file
// each), then asked for each exchange a fault of it hits. `hit` may draw from `random` (a delay's
// distribution): the draws happen in request order, so a seed repeats a run's hits.
class FaultKind {
 public:
  virtual ~FaultKind() = default;
  virtual std::unique_ptr<FaultAction> hit(Direction direction, Random& random) const = 0;
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
  // {"method", "path", "header", "query"}; throws InputError naming `file` and `field`.
  static Match parse(const nlohmann::json& j, const std::string& file, const std::string& field);
};

struct Fault {
  std::string name;
  std::string kind;  // "delay", "abort", ...
  Match match;
  double percent = 100;
  Direction direction = Direction::upstream;
  std::optional<std::pair<Duration, Duration>> window;  // [start, end) from the proxy's start
  std::shared_ptr<const FaultKind> action;              // its kind's, parsed
  nlohmann::json source;                                // as written, for GET /faults

  bool active_at(Duration since_start) const {
    return !window || (since_start >= window->first && since_start < window->second);
  }
};

}  // namespace reprise::faults
