// One thread's figures (a proxy worker's, the mirror's), kept per (name, method, status) combination as TagFigures
// (no lock, no atomic; found by a short scan of the few combinations, each made on first use
// with its histograms), and copied out as FiguresByTag, which threads add up and the
// window, /metrics and /sla read. It must not know how an exchange is run (ExchangeMetrics
// feeds it) nor how figures are shown.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/RouteTags.hpp"
#include "metrics/TagFigures.hpp"

namespace reprise::metrics {

class TagSeries {
 public:
  explicit TagSeries(const std::map<std::string, std::string>& routes) : names_(routes) {}

  // The request's name tag, as an index (kept by the session until its exchange ends).
  size_t name_of(std::string_view method, std::string_view target) { return names_.index_of(method, target); }
  // The figures of a combination, made on first use; the reference stays valid.
  TagFigures& series(size_t name, std::string_view method, int status);
  FiguresByTag copy() const;

 private:
  struct Series {
    size_t name;
    std::string method;
    int status;
    std::unique_ptr<TagFigures> figures;
  };
  RouteTags names_;
  std::vector<Series> series_;
  size_t last_ = 0;  // the combination found last: the next request is often the same
};

}  // namespace reprise::metrics
