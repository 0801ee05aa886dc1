// A line chart as inline SVG, for the HTML report: x is seconds since a run's start, y runs
// from 0 to a round number at or above the highest value; axes with tick labels, the unit, a
// legend, and one polyline per unbroken stretch of each series. A chart without a single value
// says "no data". Drawing only: what the values mean, and where they come from, is the caller's.
#pragma once

#include <string>
#include <vector>

namespace reprise::metrics {

struct ChartPoint {
  double x = 0;
  double y = 0;  // NaN: no value here, the line breaks
};

class LineChart {
 public:
  struct Series {
    std::string label, colour;
    std::vector<ChartPoint> points;
  };

  LineChart(std::string title, std::string y_unit);

  // A series, drawn in the next colour of the palette unless `colour` ("#rrggbb") is given.
  void add(std::string label, std::vector<ChartPoint> points, std::string colour = "");
  // The x axis runs to at least `x_max`, so charts of one run share their time axis.
  void extend_x(double x_max);

  const std::string& title() const { return title_; }
  const std::vector<Series>& series() const { return series_; }
  bool empty() const;  // not a single value to draw
  std::string svg() const;

 private:
  struct Frame;

  void draw_legend(std::string& out, double& y) const;
  void draw_axes(std::string& out, const Frame& f) const;
  void draw_series(std::string& out, const Frame& f) const;

  std::string title_, y_unit_;
  std::vector<Series> series_;
  double x_max_ = 0;
};

}  // namespace reprise::metrics
