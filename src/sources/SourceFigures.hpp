// What the sources of a run gave: each one's samples over time and what became of its reads,
// by the source's name. Kept in the summary ("sources") so that a merge of shard summaries, and
// the report made from it, judge and show exactly what the run did. No reading, no judging.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/GaugeSeries.hpp"

namespace reprise::sources {

struct SourceTally {
  std::string description;  // Source::description()
  uint64_t reads = 0, failed = 0;
  std::string last_problem;  // the latest failed read's reason
};

struct SourceFigures {
  std::map<std::string, metrics::GaugeSeries> series;
  std::map<std::string, SourceTally> tallies;
  bool empty() const { return tallies.empty(); }

  // {"name": {"source": description, "reads": n, "failed": n, "last_problem": "...", "samples": [[t, v]]}}
  nlohmann::ordered_json to_json() const;
  // Adds a summary's "sources" (a shard's: reads add up, samples merge in time order); throws
  // InputError naming `file` and the field.
  void add_json(const nlohmann::json& j, const std::string& file);
};

}  // namespace reprise::sources
