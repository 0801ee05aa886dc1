#include "replay/Session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_set>

#include "replay/Identities.hpp"

namespace reprise::replay {
namespace {

using capture::Exchange;

bool is_websocket(const Exchange& x) {
  return (x.stream && x.stream->kind == "websocket") || (x.res && x.res->status == 101);
}

std::string label_of(const Exchange& x) { return fmt::format("#{} {} {}", x.id, x.req.method, x.req.target); }

class Builder {
 public:
  Builder(const std::vector<const Exchange*>& xs, const Profile& profile, const SessionOptions& options)
      : xs_(xs), profile_(profile), options_(options) {}

  Session build() {
    Session s;
    s.key = xs_.front()->session;
    s.start_us = xs_.front()->t_us;
    find_identities(s);
    std::vector<std::vector<Extraction>> extractions(xs_.size());
    for (size_t k = 0; k < xs_.size(); ++k) correlate_answer(s, k, extractions[k]);
    for (size_t k = 0; k < xs_.size(); ++k) s.steps.push_back(make_step(s, k, std::move(extractions[k])));
    return s;
  }

 private:
  void find_identities(Session& s) {
    for (size_t i = 0; i < profile_.identities.size(); ++i) {
      for (const Exchange* x : xs_) {
        auto value = identity_value(x->req, profile_.identities[i].field);
        if (!value || value->empty() || slot_of_.count(*value)) continue;
        add_slot(s, {*value, static_cast<int>(i), "identity " + profile_.identities[i].field}, false, -1);
        break;
      }
    }
  }

  // The handouts of answer k that a later request carries and no earlier request did.
  void correlate_answer(Session& s, size_t k, std::vector<Extraction>& out) {
    if (!xs_[k]->res) return;
    for (auto& h : find_handouts(*xs_[k]->res, profile_.correlate, options_.auto_correlate)) {
      auto known = slot_of_.find(h.value);
      if (known == slot_of_.end()) {
        if (rejected_.count(h.value) || !handed_out(h, k)) {
          rejected_.insert(h.value);
          continue;
        }
        add_slot(s, {h.value, -1, h.describe() + " of " + label_of(*xs_[k])}, h.id, static_cast<int>(k));
        known = slot_of_.find(h.value);
      }
      if (s.slots[static_cast<size_t>(known->second)].identity >= 0) continue;
      out.push_back({known->second, std::move(h)});
    }
  }

  bool handed_out(const Handout& h, size_t k) const {
    Wanted w{h.value, 0, h.id};
    for (size_t j = 0; j <= k; ++j)
      if (RequestTemplate::carries(xs_[j]->req, w)) return false;
    for (size_t j = k + 1; j < xs_.size(); ++j)
      if (RequestTemplate::carries(xs_[j]->req, w)) return true;
    return false;
  }

  void add_slot(Session& s, Slot slot, bool id, int producer) {
    int index = static_cast<int>(s.slots.size());
    slot_of_[slot.recorded] = index;
    wanted_.push_back({{slot.recorded, index, id}, producer});
    s.slots.push_back(std::move(slot));
  }

  Step make_step(Session& s, size_t k, std::vector<Extraction> extractions) {
    const Exchange& x = *xs_[k];
    std::vector<Wanted> values;
    for (const auto& [w, producer] : wanted_)
      if (producer < static_cast<int>(k)) values.push_back(w);
    Step step{RequestTemplate(x.req, values, options_.host), label_of(x), 0, 0, 0, {}, {}};
    for (const auto& w : values)
      if (RequestTemplate::carries(x.req, w)) ++s.slots[static_cast<size_t>(w.slot)].uses;
    step.offset_us = x.t_us - s.start_us;
    if (k > 0) {
      const Exchange& prev = *xs_[k - 1];
      step.think_us = std::max<int64_t>(0, x.t_us - (prev.t_us + (prev.res ? prev.res->dur_us : 0)));
    }
    step.hold_us = x.res ? x.res->dur_us : 0;
    for (auto& e : extractions)
      (e.place.from == Handout::From::json ? step.from_body : step.from_head).push_back(std::move(e));
    return step;
  }

  const std::vector<const Exchange*>& xs_;
  const Profile& profile_;
  const SessionOptions& options_;
  std::map<std::string, int> slot_of_;
  std::unordered_set<std::string> rejected_;
  std::vector<std::pair<Wanted, int>> wanted_;  // with the step that first hands it out (-1: identity)
};

}  // namespace

SessionBuild build_sessions(std::vector<Exchange> exchanges, const Profile& profile,
                            const SessionOptions& options) {
  SessionBuild out;
  std::map<std::string, std::vector<const Exchange*>> by_key;
  for (const auto& x : exchanges) {
    if (is_websocket(x)) {
      ++out.skipped_websocket;
      continue;
    }
    by_key[x.session].push_back(&x);
  }
  for (auto& [key, xs] : by_key) {
    std::stable_sort(xs.begin(), xs.end(),
                     [](const Exchange* a, const Exchange* b) { return a->t_us < b->t_us; });
    out.sessions.push_back(Builder(xs, profile, options).build());
  }
  std::stable_sort(out.sessions.begin(), out.sessions.end(), [](const Session& a, const Session& b) {
    return a.start_us < b.start_us || (a.start_us == b.start_us && a.key < b.key);
  });
  return out;
}

}  // namespace reprise::replay
