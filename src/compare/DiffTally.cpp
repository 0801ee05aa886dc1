#include "compare/DiffTally.hpp"

#include <algorithm>

#include "InputError.hpp"

namespace reprise::compare {

DiffTally::Route& DiffTally::route(size_t r) {
  if (routes_.size() <= r) routes_.resize(r + 1);
  return routes_[r];
}

uint16_t DiffTally::field_index(Route& r, std::string_view field, std::string_view kind, std::string_view recorded,
                                std::string_view live) {
  for (size_t i = 0; i < r.fields.size(); ++i)
    if (r.fields[i].field == field && r.fields[i].kind == kind) return static_cast<uint16_t>(i);
  if (r.fields.size() >= kMaxFields - 1) {  // the last entry holds every later field
    if (r.fields.size() == kMaxFields - 1) r.fields.push_back({std::string(kMoreFields), "any", 0, 0, {}, {}, false});
    return static_cast<uint16_t>(kMaxFields - 1);
  }
  r.fields.push_back({std::string(field), std::string(kind), 0, 0, std::string(recorded), std::string(live), false});
  return static_cast<uint16_t>(r.fields.size() - 1);
}

std::vector<uint16_t> DiffTally::fields_of(Route& route, const std::vector<Difference>& diffs) {
  std::vector<uint16_t> out;
  for (const auto& d : diffs) {
    uint16_t i = field_index(route, d.field, kind_name(d.kind), d.recorded, d.live);
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void DiffTally::count(size_t r, const std::vector<Difference>& diffs) {
  Route& route = this->route(r);
  ++route.compared;
  auto signature = fields_of(route, diffs);
  for (uint16_t i : signature) ++route.fields[i].count;
  auto it = route.answers.find(signature);
  if (it != route.answers.end())
    ++it->second;
  else if (route.answers.size() < kMaxSignatures || signature.empty())
    route.answers.emplace(std::move(signature), 1);
  else
    ++route.answers[{kOverflow}];
}

void DiffTally::count_baseline(size_t r, const std::vector<Difference>& diffs) {
  Route& route = this->route(r);
  ++route.baseline_compared;
  for (uint16_t i : fields_of(route, diffs)) ++route.fields[i].baseline;
}

void DiffTally::mark_noise(size_t r, std::string_view field, std::string_view kind) {
  if (r >= routes_.size()) return;
  for (auto& f : routes_[r].fields)
    if (f.field == field && (kind.empty() || f.kind == kind)) f.noise = true;
}

void DiffTally::apply_baseline() {
  for (auto& r : routes_) {
    if (r.baseline_compared == 0 || r.compared == 0) continue;
    for (auto& f : r.fields) {
      const double target = static_cast<double>(f.count) / static_cast<double>(r.compared);
      const double base = static_cast<double>(f.baseline) / static_cast<double>(r.baseline_compared);
      if (target - base <= std::max(0.03, 0.2 * base)) f.noise = true;
    }
  }
}

bool DiffTally::reported(const Route& r, uint16_t i) const {
  return i == kOverflow || (i < r.fields.size() && !r.fields[i].noise);
}

DiffTally::Result DiffTally::result(size_t r) const {
  Result out;
  if (r >= routes_.size()) return out;
  const Route& route = routes_[r];
  out.compared = route.compared;
  for (const auto& [signature, n] : route.answers)
    if (std::any_of(signature.begin(), signature.end(), [&](uint16_t i) { return reported(route, i); }))
      out.differing += n;
  out.identical = out.compared - std::min(out.compared, out.differing);
  for (const auto& f : route.fields)
    if (f.count > 0) (f.noise ? out.noise : out.fields).push_back(&f);
  auto most = [](const Field* a, const Field* b) { return a->count > b->count; };
  std::stable_sort(out.fields.begin(), out.fields.end(), most);
  std::stable_sort(out.noise.begin(), out.noise.end(), most);
  return out;
}

uint64_t DiffTally::differing(size_t r, std::string_view field) const {
  if (r >= routes_.size()) return 0;
  const Route& route = routes_[r];
  uint64_t n = 0;
  for (const auto& [signature, count] : route.answers)
    if (std::any_of(signature.begin(), signature.end(), [&](uint16_t i) {
          return reported(route, i) && (field.empty() || (i < route.fields.size() && route.fields[i].field == field));
        }))
      n += count;
  return n;
}

void DiffTally::merge(const DiffTally& other, const std::function<size_t(size_t)>& index) {
  for (size_t r = 0; r < other.routes_.size(); ++r) {
    const Route& from = other.routes_[r];
    if (from.compared == 0 && from.baseline_compared == 0) continue;
    Route& into = route(index ? index(r) : r);
    into.compared += from.compared;
    into.baseline_compared += from.baseline_compared;
    std::vector<uint16_t> remap;
    for (const auto& f : from.fields) {
      const uint16_t i = f.field == kMoreFields && into.fields.size() >= kMaxFields - 1
                             ? field_index(into, "", "", "", "")  // the last entry
                             : field_index(into, f.field, f.kind, f.recorded, f.live);
      into.fields[i].count += f.count;
      into.fields[i].baseline += f.baseline;
      into.fields[i].noise = into.fields[i].noise || f.noise;
      remap.push_back(i);
    }
    for (const auto& [signature, n] : from.answers) {
      std::vector<uint16_t> s;
      for (uint16_t i : signature) s.push_back(i == kOverflow ? kOverflow : remap[i]);
      std::sort(s.begin(), s.end());
      s.erase(std::unique(s.begin(), s.end()), s.end());
      if (into.answers.count(s) || into.answers.size() < kMaxSignatures || s.empty())
        into.answers[s] += n;
      else
        into.answers[{kOverflow}] += n;
    }
  }
}

nlohmann::ordered_json DiffTally::to_json(const std::vector<metrics::RouteKey>& keys) const {
  nlohmann::ordered_json routes = nlohmann::ordered_json::array();
  for (size_t r = 0; r < routes_.size() && r < keys.size(); ++r) {
    const Route& route = routes_[r];
    if (route.compared == 0 && route.baseline_compared == 0) continue;
    const Result result = this->result(r);
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const auto& f : route.fields)
      fields.push_back({{"field", f.field},
                        {"kind", f.kind},
                        {"count", f.count},
                        {"baseline", f.baseline},
                        {"noise", f.noise},
                        {"recorded", f.recorded},
                        {"live", f.live}});
    nlohmann::ordered_json answers = nlohmann::ordered_json::array();
    for (const auto& [signature, n] : route.answers) answers.push_back({signature, n});
    routes.push_back({{"name", keys[r].name},
                      {"method", keys[r].method},
                      {"compared", result.compared},
                      {"identical", result.identical},
                      {"differing", result.differing},
                      {"baseline_compared", route.baseline_compared},
                      {"fields", std::move(fields)},
                      {"answers", std::move(answers)}});
  }
  return {{"routes", std::move(routes)}};
}

void DiffTally::add_json(const nlohmann::json& j, const std::function<size_t(const metrics::RouteKey&)>& index,
                         const std::string& file) {
  auto count = [&](const nlohmann::json& v) {
    if (!v.is_number_unsigned()) throw InputError(file, "response_diffs", "a count is not a whole number >= 0");
    return v.get<uint64_t>();
  };
  auto count_or_zero = [&](const nlohmann::json& o, const char* key) {
    return o.contains(key) ? count(o[key]) : uint64_t{0};
  };
  try {
    DiffTally one;
    for (const auto& r : j.at("routes")) {
      Route& route = one.route(index({r.at("name").get<std::string>(), r.at("method").get<std::string>()}));
      route.compared = count(r.at("compared"));
      route.baseline_compared = count_or_zero(r, "baseline_compared");
      for (const auto& f : r.at("fields"))
        route.fields.push_back({f.at("field").get<std::string>(), f.at("kind").get<std::string>(),
                                count(f.at("count")), count_or_zero(f, "baseline"),
                                f.value("recorded", std::string()), f.value("live", std::string()),
                                f.value("noise", false)});
      for (const auto& a : r.at("answers")) {
        auto signature = a.at(0).get<std::vector<uint16_t>>();
        for (uint16_t i : signature)
          if (i != kOverflow && i >= route.fields.size())
            throw InputError(file, "response_diffs", "an answer names a field that is not listed");
        route.answers[signature] += count(a.at(1));
      }
    }
    merge(one);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file, "response_diffs", e.what());
  }
}

}  // namespace reprise::compare
