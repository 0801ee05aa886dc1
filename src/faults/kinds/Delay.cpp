// delay: hold the request before it goes upstream (direction upstream, the default) or the
// answer before it goes to the client (downstream). Toxiproxy's latency and Envoy's fixed delay:
// {"fixed": "200ms", "jitter": "50ms"} (uniform within ±jitter), or a distribution:
// {"distribution": "normal", "mean": "200ms", "stddev": "20ms"} or
// {"distribution": "pareto", "scale": "50ms", "shape": 2} (a long tail; never below scale).
#include <algorithm>
#include <cmath>

#include "faults/FaultAction.hpp"
#include "faults/FaultKinds.hpp"

namespace reprise::faults {
namespace {

constexpr double kMostUs = 600e6;  // a drawn delay is capped at 10 minutes

// One exchange's drawn delay: the request waits before it goes upstream, or the answer before
// it goes to the client. Delays that hit one exchange add up.
class Wait : public FaultAction {
 public:
  Wait(Direction d, Duration delay) : direction_(d), delay_(delay) {}
  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x) override {
    if (direction_ == Direction::upstream) co_await x.pause(delay_);
    co_return Next::go_on;
  }
  boost::asio::awaitable<void> before_answer(ExchangeControl& x) override {
    if (direction_ == Direction::downstream) co_await x.pause(delay_);
  }

 private:
  Direction direction_;
  Duration delay_;
};

class Delay : public FaultKind {
 public:
  enum class Shape { fixed, normal, pareto };
  Delay(Shape shape, double a_us, double b) : shape_(shape), a_(a_us), b_(b) {}

  std::unique_ptr<FaultAction> hit(Direction d, Random& random) const override {
    return std::make_unique<Wait>(d, Duration(static_cast<int64_t>(std::clamp(draw(random), 0.0, kMostUs))));
  }
  std::optional<Direction> default_direction() const override { return Direction::upstream; }

 private:
  double draw(Random& random) const {
    switch (shape_) {
      case Shape::fixed:  // a_: the delay, b_: the jitter
        return b_ > 0 ? std::uniform_real_distribution<double>(a_ - b_, a_ + b_)(random) : a_;
      case Shape::normal:  // a_: the mean, b_: the standard deviation
        return std::normal_distribution<double>(a_, b_)(random);
      case Shape::pareto: {  // a_: the scale (the least delay), b_: the shape
        double u = std::uniform_real_distribution<double>(0.0, 1.0)(random);
        return a_ / std::pow(1.0 - u, 1.0 / b_);
      }
    }
    return a_;
  }

  Shape shape_;
  double a_, b_;
};

double us(Duration d) { return static_cast<double>(d.count()); }

std::shared_ptr<const FaultKind> parse_delay(const KindReader& r) {
  if (!r.has("distribution")) {
    r.only({"fixed", "jitter"});
    if (!r.has("fixed")) r.fail("", "needs \"fixed\" (with an optional \"jitter\") or a \"distribution\"");
    return std::make_shared<Delay>(Delay::Shape::fixed, us(r.duration("fixed")),
                                   r.has("jitter") ? us(r.duration("jitter")) : 0.0);
  }
  std::string shape = r.text("distribution");
  if (shape == "normal") {
    r.only({"distribution", "mean", "stddev"});
    if (!r.has("mean") || !r.has("stddev")) r.fail("", "a normal distribution needs \"mean\" and \"stddev\"");
    return std::make_shared<Delay>(Delay::Shape::normal, us(r.duration("mean")), us(r.duration("stddev")));
  }
  if (shape == "pareto") {
    r.only({"distribution", "scale", "shape"});
    if (!r.has("scale") || !r.has("shape")) r.fail("", "a pareto distribution needs \"scale\" and \"shape\"");
    return std::make_shared<Delay>(Delay::Shape::pareto, us(r.duration("scale")),
                                   r.number("shape", 0.1, 100));
  }
  r.fail("distribution", "must be \"normal\" or \"pareto\"");
}

[[maybe_unused]] const bool delay_registered = register_kind("delay", parse_delay);

}  // namespace
}  // namespace reprise::faults
