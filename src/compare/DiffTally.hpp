// Response comparison's figures: per route (an index the owner gives: replay's name tags, the
// mirror's routes), how many answers were compared, and per field how many differed, with one
// recorded and one live example. Answers are also counted by the set of fields they differed on,
// so that a field found to be noise only at the end (Diffy's baseline rule, a field the primary's
// own answers vary on) leaves the answers it alone made differ identical. Kept by one thread;
// tallies are merged, written to and read from a summary. It compares nothing and prints nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "compare/AnswerDiff.hpp"
#include "metrics/RouteTags.hpp"

namespace reprise::compare {

class DiffTally {
 public:
  struct Field {
    std::string field;  // "$.messages[*].content", "status", "header x-trace", "event connected"
    std::string kind;   // kind_name()
    uint64_t count = 0;     // answers of the target that differed here
    uint64_t baseline = 0;  // answers of the baseline that differed here (--baseline)
    std::string recorded, live;  // the first example
    bool noise = false;  // decided at the end: not reported
  };
  struct Route {
    uint64_t compared = 0;
    uint64_t baseline_compared = 0;
    std::vector<Field> fields;  // as first seen
    std::map<std::vector<uint16_t>, uint64_t> answers;  // the fields (indexes) an answer differed on → answers
  };
  // What a route shows once noise is decided.
  struct Result {
    uint64_t compared = 0, identical = 0, differing = 0;
    std::vector<const Field*> fields;  // reported, most answers first
    std::vector<const Field*> noise;   // differed, but noise (the baseline's rule, learned late)
  };

  static constexpr size_t kMaxFields = 256;       // per route, the last "(more fields)": all later ones
  static constexpr std::string_view kMoreFields = "(more fields)";
  static constexpr size_t kMaxSignatures = 4096;  // per route; later sets count as differing

  // One answer of the target, with its differences (none: identical).
  void count(size_t route, const std::vector<Difference>& diffs);
  // One answer of the baseline (a second known-good instance) to the same request.
  void count_baseline(size_t route, const std::vector<Difference>& diffs);
  // The field (of that kind only, when `kind` is given) is noise.
  void mark_noise(size_t route, std::string_view field, std::string_view kind = {});
  // Diffy's rule: a field is reported only when the target differs there more often than the
  // baseline does (by 3 points and by a fifth); else it is noise.
  void apply_baseline();
  // Adds `other`'s figures; `index` maps its route indexes to this tally's (none: the same).
  void merge(const DiffTally& other, const std::function<size_t(size_t)>& index = {});

  bool empty() const { return routes_.empty(); }
  size_t routes() const { return routes_.size(); }
  Result result(size_t route) const;
  // Answers of `route` that differed on a reported field named `field` (empty: on any).
  uint64_t differing(size_t route, std::string_view field) const;
  uint64_t compared(size_t route) const { return route < routes_.size() ? routes_[route].compared : 0; }

  // {"routes": [{name, method, compared, identical, differing, baseline_compared, fields: [...],
  // answers: [[[i, ...], n], ...]}]}; `keys` names the routes by index.
  nlohmann::ordered_json to_json(const std::vector<metrics::RouteKey>& keys) const;
  // Adds a summary's tally; `index` gives a route's index by its key (adding it when new).
  // Throws InputError naming `file` on a malformed block.
  void add_json(const nlohmann::json& j, const std::function<size_t(const metrics::RouteKey&)>& index,
                const std::string& file);

 private:
  Route& route(size_t r);
  uint16_t field_index(Route& r, std::string_view field, std::string_view kind, std::string_view recorded,
                       std::string_view live);
  static constexpr uint16_t kOverflow = 0xFFFF;
  bool reported(const Route& r, uint16_t i) const;
  // The fields (indexes, each once, ascending) `diffs` name, listed in `route` when new.
  std::vector<uint16_t> fields_of(Route& route, const std::vector<Difference>& diffs);
  std::vector<Route> routes_;
};

}  // namespace reprise::compare
