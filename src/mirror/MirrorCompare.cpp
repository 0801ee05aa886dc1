#include "mirror/MirrorCompare.hpp"

#include "compare/Answer.hpp"

namespace reprise::mirror {

MirrorCompare::MirrorCompare(const std::map<std::string, std::string>& routes, compare::IgnoreRules ignore)
    : names_(routes), ignore_(std::move(ignore)) {}

size_t MirrorCompare::route(std::string_view method, std::string_view target) {
  metrics::RouteKey key{names_.name_of(method, target), std::string(method)};
  auto [it, fresh] = index_.try_emplace(key, keys_.size());
  if (fresh) keys_.push_back(std::move(key));
  return it->second;
}

void MirrorCompare::compare(const capture::Exchange& x, int status, const std::vector<http::Header>& headers,
                            const nlohmann::json* body, const ShadowUser& shadow) {
  if (!x.res) return;
  const compare::Answer primary = compare::Answer::recorded(*x.res);
  if (primary.stream) return;
  const size_t r = route(x.req.method, x.req.target);
  const std::string kind = compare::LearnedNoise::kind_of(static_cast<int>(r), x.res->status, x.req);
  compare::KindNoise& noise = learned_.kind(kind);
  noise.learn(primary);
  kind_route_.try_emplace(kind, r);
  compare::Answer live = compare::Answer::head_of(status, headers);
  if (!body) {  // the primary's bytes
    live.has_json = primary.has_json;
    live.json = primary.json;
  } else if (live.media_type == primary.media_type) {
    live.set_json(*body);
  }
  compare::CompareContext context{&ignore_, &noise, [&](std::string_view recorded, std::string_view value) {
                                    std::string mine = shadow.value_for(std::string(recorded));
                                    return !mine.empty() && mine == value;
                                  }};
  diffs_.clear();
  compare::compare_answers(primary, live, context, diffs_);
  tally_.count(r, diffs_);
}

compare::DiffTally MirrorCompare::tally() const {
  compare::DiffTally out = tally_;
  for (const auto& [kind, r] : kind_route_) {
    const compare::KindNoise* noise = learned_.find(kind);
    if (!noise) continue;
    for (const auto& [path, place] : noise->places) {
      const std::string field = compare::field_name(path);
      if (place.value_varies) out.mark_noise(r, field, "value");
      if (place.type_varies) out.mark_noise(r, field, "type");
      if (place.length_varies) out.mark_noise(r, field, "length");
    }
  }
  return out;
}

nlohmann::ordered_json MirrorCompare::to_json() const { return tally().to_json(keys_); }

}  // namespace reprise::mirror
