// `proxy --mirror URL --compare`: each copy's answer compared with the primary's answer to the
// client's request (compare/AnswerDiff), on the mirror's thread. Noise: what the shadow user's
// own values account for (its tokens, ids, identities), volatile formats, the profile's
// compare.ignore, and what the primary's own answers to one kind of request showed to vary,
// learned as they come (a field found to vary late leaves the answers it alone made differ
// identical: compare::DiffTally::mark_noise). Event streams are not compared. It sends nothing.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture/Exchange.hpp"
#include "compare/DiffTally.hpp"
#include "compare/Noise.hpp"
#include "http/MessageHead.hpp"
#include "metrics/RouteTags.hpp"
#include "mirror/ShadowUser.hpp"

namespace reprise::mirror {

class MirrorCompare {
 public:
  MirrorCompare(const std::map<std::string, std::string>& routes, compare::IgnoreRules ignore);

  // The primary answered `x`; the mirror answered its copy with `status`, `headers` and `body`
  // (null: the primary's body byte for byte; discarded: not JSON).
  void compare(const capture::Exchange& x, int status, const std::vector<http::Header>& headers,
               const nlohmann::json* body, const ShadowUser& shadow);

  // The tally with what the primary's answers showed to vary marked as noise:
  // compare::DiffTally::to_json's shape.
  nlohmann::ordered_json to_json() const;
  compare::DiffTally tally() const;  // noise marked
  const std::vector<metrics::RouteKey>& routes() const { return keys_; }

 private:
  size_t route(std::string_view method, std::string_view target);

  metrics::RouteTags names_;
  std::map<metrics::RouteKey, size_t> index_;
  std::vector<metrics::RouteKey> keys_;
  compare::IgnoreRules ignore_;
  compare::LearnedNoise learned_;
  std::map<std::string, size_t> kind_route_;  // a learned kind → its route
  compare::DiffTally tally_;
  std::vector<compare::Difference> diffs_;
};

}  // namespace reprise::mirror
