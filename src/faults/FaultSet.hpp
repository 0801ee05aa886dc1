// The faults a proxy applies, in order: read from `--faults FILE`, changed live through the
// admin API (each change makes a new set that every worker takes in its own thread, so the
// request path reads a set no one writes), and asked, for each request, which faults hit it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "faults/ExchangeFaults.hpp"
#include "faults/Fault.hpp"

namespace reprise::faults {

class FaultSet {
 public:
  // {"faults": [...]}; throws InputError naming the file and the field.
  static FaultSet load(const std::string& path);
  static FaultSet parse(const nlohmann::json& j, const std::string& file);
  // One fault object, as in the file or a POST /faults body; `field` names it in errors.
  static Fault parse_fault(const nlohmann::json& j, const std::string& file, const std::string& field);

  // Adds to `out` every fault active `since_start` that matches `request` and whose percent the
  // draw from `random` falls within; a set with nothing to do costs a loop over the faults.
  // `since_start` is read only when a fault with a window matches.
  template <class SinceStart>
  void choose(const http::MessageHead& request, const SinceStart& since_start, Random& random,
              ExchangeFaults& out) const {
    for (const auto& f : faults_) {
      if (!f.match.matches(request) || (f.window && !f.active_at(since_start()))) continue;
      if (f.percent < 100 && std::uniform_real_distribution<double>(0, 100)(random) >= f.percent) continue;
      out.add(f.name, f.action->hit(f.direction, random));
    }
  }
  ExchangeFaults choose(const http::MessageHead& request, Duration since_start, Random& random) const {
    ExchangeFaults out;
    choose(
        request, [since_start] { return since_start; }, random, out);
    return out;
  }

  // Adds `fault`, or replaces the one of the same name in its place; true when it replaced.
  bool put(Fault fault);
  bool remove(const std::string& name);
  // Every window's start and end multiplied by `factor` (a drill's --time-scale).
  void scale_windows(double factor);
  const Fault* find(const std::string& name) const;
  const std::vector<Fault>& faults() const { return faults_; }
  nlohmann::json to_json() const;  // {"faults": [each as written]}

 private:
  std::vector<Fault> faults_;
};

}  // namespace reprise::faults
