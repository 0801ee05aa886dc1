#include "metrics/TagSeries.hpp"

namespace reprise::metrics {

TagFigures& TagSeries::series(size_t name, std::string_view method, int status) {
  auto is = [&](const Series& s) { return s.status == status && s.name == name && s.method == method; };
  if (last_ < series_.size() && is(series_[last_])) return *series_[last_].figures;
  for (size_t i = 0; i < series_.size(); ++i) {
    if (!is(series_[i])) continue;
    last_ = i;
    return *series_[i].figures;
  }
  last_ = series_.size();
  series_.push_back({name, std::string(method), status, std::make_unique<TagFigures>()});
  return *series_.back().figures;
}

FiguresByTag TagSeries::copy() const {
  FiguresByTag out;
  for (const auto& s : series_) out[TagKey{names_.name(s.name), s.method, s.status}].add(*s.figures);
  return out;
}

}  // namespace reprise::metrics
