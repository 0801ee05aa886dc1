#include "metrics/LineChart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "metrics/XmlText.hpp"

namespace reprise::metrics {
namespace {

constexpr double kWidth = 960, kLeft = 76, kRight = 940, kPlotHeight = 220;
constexpr const char* kPalette[] = {"#2563eb", "#ea580c", "#dc2626", "#16a34a",
                                    "#9333ea", "#0891b2", "#a16207", "#db2777"};

// An axis from 0 to `top` with a tick every `step`: 1, 2 or 5 times a power of ten, the
// smallest that needs at most `most` steps to reach the highest value.
struct Scale {
  double top = 1, step = 0.2;
  int ticks() const { return static_cast<int>(std::floor(top / step + 1e-9)); }
};

Scale nice_scale(double max, int most) {
  if (!(max > 0) || !std::isfinite(max)) return {};
  double step = std::pow(10, std::floor(std::log10(max / most)));
  for (double factor : {1, 2, 5, 10})
    if (std::ceil(max / (step * factor) - 1e-9) <= most) {
      step *= factor;
      break;
    }
  return {std::ceil(max / step - 1e-9) * step, step};
}

std::string tick_text(double v, double step) {
  if (step >= 1000 && v >= 1000) return tick_text(v / 1000, step / 1000) + "k";
  int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::string text = fmt::format("{:.{}f}", v, decimals);
  if (decimals > 0) {  // 0.5 but 1, not 1.0
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

}  // namespace

struct LineChart::Frame {
  double left, right, top, bottom;
  Scale x, y;
  double px(double v) const { return left + (right - left) * v / x.top; }
  double py(double v) const { return bottom - (bottom - top) * std::clamp(v / y.top, 0.0, 1.0); }
};

LineChart::LineChart(std::string title, std::string y_unit)
    : title_(std::move(title)), y_unit_(std::move(y_unit)) {}

void LineChart::add(std::string label, std::vector<ChartPoint> points, std::string colour) {
  if (colour.empty()) colour = kPalette[series_.size() % std::size(kPalette)];
  series_.push_back({std::move(label), std::move(colour), std::move(points)});
}

void LineChart::extend_x(double x_max) { x_max_ = std::max(x_max_, x_max); }

bool LineChart::empty() const {
  for (const auto& s : series_)
    for (const auto& p : s.points)
      if (std::isfinite(p.x) && std::isfinite(p.y)) return false;
  return true;
}

void LineChart::draw_legend(std::string& out, double& y) const {
  double x = kLeft;
  for (const auto& s : series_) {
    double width = 30 + 7.0 * static_cast<double>(s.label.size()) + 18;
    if (x > kLeft && x + width > kRight) x = kLeft, y += 18;
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"3\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"legend\">{}</text>\n",
        x, y - 4, x + 22, y - 4, s.colour, x + 28, y, xml_escaped(s.label));
    x += width;
  }
  y += 16;
}

void LineChart::draw_axes(std::string& out, const Frame& f) const {
  for (int i = 0; i <= f.y.ticks(); ++i) {
    double v = i * f.y.step;
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{2:.1f}\" x2=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e7eb\"/>"
        "<text x=\"{3:.1f}\" y=\"{2:.1f}\" dy=\"0.32em\" text-anchor=\"end\">{4}</text>\n",
        f.left, f.right, f.py(v), f.left - 8, tick_text(v, f.y.step));
  }
  for (int i = 0; i <= f.x.ticks(); ++i) {
    double v = i * f.x.step;
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#374151\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        f.px(v), f.bottom, f.bottom + 5, f.bottom + 19, tick_text(v, f.x.step));
  }
  out += fmt::format(
      "<path d=\"M{:.1f} {:.1f}V{:.1f}H{:.1f}\" fill=\"none\" stroke=\"#374151\"/>\n"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" class=\"axis\">seconds since start</text>\n"
      "<text transform=\"rotate(-90)\" x=\"{:.1f}\" y=\"18\" text-anchor=\"middle\" "
      "class=\"axis\">{}</text>\n",
      f.left, f.top, f.bottom, f.right, (f.left + f.right) / 2, f.bottom + 38, -(f.top + f.bottom) / 2,
      xml_escaped(y_unit_));
}

void LineChart::draw_series(std::string& out, const Frame& f) const {
  for (const auto& s : series_) {
    std::vector<const ChartPoint*> stretch;
    auto flush = [&] {
      if (stretch.size() == 1)
        out += fmt::format(
            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"><title>{}</title></circle>\n",
            f.px(stretch[0]->x), f.py(stretch[0]->y), s.colour, xml_escaped(s.label));
      if (stretch.size() > 1) {
        out += fmt::format(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
            s.colour);
        for (const auto* p : stretch) out += fmt::format("{:.1f},{:.1f} ", f.px(p->x), f.py(p->y));
        out.back() = '"';
        out += fmt::format("><title>{}</title></polyline>\n", xml_escaped(s.label));
      }
      stretch.clear();
    };
    for (const auto& p : s.points) {
      if (std::isfinite(p.x) && std::isfinite(p.y))
        stretch.push_back(&p);
      else
        flush();
    }
    flush();
  }
}

std::string LineChart::svg() const {
  std::string body;
  double y = 44;
  if (empty()) {
    body = fmt::format(
        "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"70\" fill=\"#f9fafb\" stroke=\"#d1d5db\" "
        "stroke-dasharray=\"4 4\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"middle\" class=\"nodata\">no "
        "data</text>\n",
        kLeft, y - 10, kRight - kLeft, (kLeft + kRight) / 2, y + 30);
    y += 72;
  } else {
    draw_legend(body, y);
    double x_max = x_max_, y_max = 0;
    for (const auto& s : series_)
      for (const auto& p : s.points)
        if (std::isfinite(p.x) && std::isfinite(p.y))
          x_max = std::max(x_max, p.x), y_max = std::max(y_max, p.y);
    // time runs to the last point; values to a round number above the highest
    Scale x = nice_scale(x_max, 10);
    if (x_max > 0) x.top = x_max;
    Frame f{kLeft, kRight, y, y + kPlotHeight, x, nice_scale(y_max, 5)};
    draw_axes(body, f);
    draw_series(body, f);
    y = f.bottom + 48;
  }
  return fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {0} {1:.0f}\" width=\"{0}\" height=\"{1:.0f}\" role=\"img\" "
      "font-family=\"sans-serif\" font-size=\"12\" fill=\"#111827\"><title>{2}</title>\n"
      "<text x=\"{3}\" y=\"20\" class=\"title\" font-size=\"15\" "
      "font-weight=\"bold\">{2}</text>\n{4}</svg>\n",
      kWidth, y, xml_escaped(title_), kLeft, body);
}

}  // namespace reprise::metrics
