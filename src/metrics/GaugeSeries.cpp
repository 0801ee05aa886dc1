#include "metrics/GaugeSeries.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "InputError.hpp"

namespace reprise::metrics {

void GaugeSeries::add(double t, double value) { samples_.push_back({t, value}); }

std::optional<GaugeStats> GaugeSeries::stats(double from, double to) const {
  GaugeStats s;
  double sum = 0;
  for (const auto& x : samples_) {
    if (x.t < from || x.t > to) continue;
    s.min = s.count == 0 ? x.value : std::min(s.min, x.value);
    s.max = s.count == 0 ? x.value : std::max(s.max, x.value);
    s.last = x.value;
    sum += x.value;
    ++s.count;
  }
  if (s.count == 0) return std::nullopt;
  s.avg = sum / static_cast<double>(s.count);
  return s;
}

std::optional<GaugeStats> GaugeSeries::stats() const {
  return stats(-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity());
}

void GaugeSeries::drop_before(double t) {
  auto first_kept = std::find_if(samples_.begin(), samples_.end(), [&](const Sample& s) { return s.t >= t; });
  samples_.erase(samples_.begin(), first_kept);
}

void GaugeSeries::merge(const GaugeSeries& other) {
  std::vector<Sample> both;
  both.reserve(samples_.size() + other.samples_.size());
  std::merge(samples_.begin(), samples_.end(), other.samples_.begin(), other.samples_.end(),
             std::back_inserter(both), [](const Sample& a, const Sample& b) { return a.t < b.t; });
  samples_ = std::move(both);
}

nlohmann::json GaugeSeries::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& s : samples_) out.push_back({s.t, s.value});
  return out;
}

GaugeSeries GaugeSeries::from_json(const nlohmann::json& j, const std::string& file,
                                   const std::string& field) {
  if (!j.is_array()) throw InputError(file, "field " + field, "must be a list of [t, value] samples");
  GaugeSeries out;
  double prev = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& s = j[i];
    if (!s.is_array() || s.size() != 2 || !s[0].is_number() || !s[1].is_number() || s[0].get<double>() < prev)
      throw InputError(file, "field " + field + "[" + std::to_string(i) + "]",
                       "must be [t, value], numbers, in time order");
    prev = s[0].get<double>();
    out.add(prev, s[1].get<double>());
  }
  return out;
}

}  // namespace reprise::metrics
