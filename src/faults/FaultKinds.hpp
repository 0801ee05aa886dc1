// The fault kinds by name, and what each kind's parser gets: the kind's JSON object and a
// reader that names the file and field in every error. A kind lives in faults/kinds/, one file
// each; adding one is a file there and a line in FaultKinds.cpp.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "faults/Fault.hpp"

namespace reprise::faults {

// Reads a kind's settings; every failure throws InputError naming the file and field.
struct KindReader {
  const nlohmann::json& j;
  const std::string& file;
  std::string field;  // "faults[2].delay"

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  bool has(const char* key) const { return j.contains(key); }
  Duration duration(const char* key) const;  // "200ms"
  double number(const char* key, double min, double max) const;
  std::string text(const char* key) const;
  // Refuses keys other than `known` (a misspelt setting must not be silently ignored).
  void only(std::initializer_list<const char*> known) const;
};

// What bandwidth and slice both do once parsed: pace one direction's writes (downstream by
// default); with another pacing on the same direction, the slower wins.
class PacedWrites : public FaultKind {
 public:
  explicit PacedWrites(Pacing pacing) : pacing_(pacing) {}
  void apply(Effects& e, Direction d, Random&) const override {
    (d == Direction::downstream ? e.to_client : e.to_upstream).slow_to(pacing_);
  }
  std::optional<Direction> default_direction() const override { return Direction::downstream; }

 private:
  Pacing pacing_;
};

using KindParser = std::shared_ptr<const FaultKind> (*)(const KindReader& settings);

// "delay" → its parser, ...
const std::map<std::string, KindParser>& fault_kinds();

std::shared_ptr<const FaultKind> parse_delay(const KindReader&);
std::shared_ptr<const FaultKind> parse_abort(const KindReader&);
std::shared_ptr<const FaultKind> parse_reset(const KindReader&);
std::shared_ptr<const FaultKind> parse_timeout(const KindReader&);
std::shared_ptr<const FaultKind> parse_bandwidth(const KindReader&);
std::shared_ptr<const FaultKind> parse_slice(const KindReader&);
std::shared_ptr<const FaultKind> parse_slow_close(const KindReader&);
std::shared_ptr<const FaultKind> parse_sse_drop(const KindReader&);
std::shared_ptr<const FaultKind> parse_upstream_down(const KindReader&);

}  // namespace reprise::faults
