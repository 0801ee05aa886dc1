#include "replay/Session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "replay/Identities.hpp"

namespace reprise::replay {
namespace {

using capture::Exchange;

bool is_websocket(const Exchange& x) {
  return (x.stream && x.stream->kind == "websocket") || (x.res && x.res->status == 101);
}

std::string label_of(const Exchange& x) { return fmt::format("#{} {} {}", x.id, x.req.method, x.req.target); }

// True when `path` has `segment` as a whole segment ("/api/chat/rooms" has "rooms").
bool names_segment(std::string_view path, std::string_view segment) {
  for (size_t at = path.find(segment); at != std::string_view::npos; at = path.find(segment, at + 1)) {
    size_t end = at + segment.size();
    if (at > 0 && path[at - 1] == '/' && (end == path.size() || path[end] == '/')) return true;
  }
  return false;
}

// The last part of a JSON pointer: "/messages/0/room_id" → "room_id".
std::string_view last_key(std::string_view pointer) { return pointer.substr(pointer.rfind('/') + 1); }

class Builder {
 public:
  Builder(const std::vector<const Exchange*>& xs, const Profile& profile, const SessionOptions& options)
      : xs_(xs), profile_(profile), options_(options) {}

  Session build() {
    Session s;
    s.key = xs_.front()->session;
    s.start_us = xs_.front()->t_us;
    find_identities(s);
    for (size_t k = 0; k < xs_.size(); ++k) find_producers(s, k);
    for (size_t k = 0; k < xs_.size(); ++k) s.steps.push_back(make_step(s, k));
    for (size_t i = 0; i < s.slots.size(); ++i) {  // only handouts some request uses are read live
      const Slot& slot = s.slots[i];
      if (slot.identity >= 0 || slot.uses == 0) continue;
      auto& step = s.steps[static_cast<size_t>(producers_[i].step)];
      Extraction e{static_cast<int>(i), producers_[i].handout};
      (e.place.from == Handout::From::json ? step.from_body : step.from_head).push_back(std::move(e));
    }
    return s;
  }

 private:
  // Each slot is one value from one place: a handout of one answer, or an identity.
  struct Producer {
    int step = -1;  // -1: an identity
    Handout handout;
    std::string path;  // the producing request's path, to match "/rooms/{id}" with POST /rooms
  };

  void find_identities(Session& s) {
    for (size_t i = 0; i < profile_.identities.size(); ++i) {
      for (const Exchange* x : xs_) {
        auto value = identity_value(x->req, profile_.identities[i].field);
        if (!value || value->empty() || values_.count(*value)) continue;
        add_slot(s, {*value, static_cast<int>(i), {"identity " + profile_.identities[i].field}, 0}, {},
                 false);
        break;
      }
    }
  }

  // Answer k hands out a value when request k did not carry it (else it is an echo: a message
  // posted to room 1 answers room_id 1) and the client did not send it before any answer did.
  void find_producers(Session& s, size_t k) {
    if (!xs_[k]->res) return;
    for (auto& h : find_handouts(*xs_[k]->res, profile_.correlate, options_.auto_correlate)) {
      if (rejected_.count(h.value) || !mentioned_after(h.value, k) ||
          RequestTemplate::carries(xs_[k]->req, {h.value, h.id}))
        continue;
      auto known = values_.find(h.value);
      if (known == values_.end() && client_sent_before(h, k)) {
        rejected_.insert(h.value);
        continue;
      }
      if (known != values_.end() && known->second.identity) continue;
      std::string origin = h.describe() + " of " + label_of(*xs_[k]);
      add_slot(s, {h.value, -1, {std::move(origin)}, 0}, {static_cast<int>(k), h, path_of(*xs_[k])}, h.id);
    }
  }

  // A cheap first look: does the value's text appear anywhere in a request after step k?
  bool mentioned_after(const std::string& value, size_t k) {
    auto [it, fresh] = last_mention_.try_emplace(value, -1);
    if (fresh) {
      for (size_t j = xs_.size(); j-- > 0 && it->second < 0;) {
        const auto& req = xs_[j]->req;
        bool in_headers = std::any_of(req.headers.begin(), req.headers.end(), [&](const auto& h) {
          return h.second.find(value) != std::string::npos;
        });
        if (in_headers || req.target.find(value) != std::string::npos ||
            req.body.data.find(value) != std::string::npos)
          it->second = static_cast<int>(j);
      }
    }
    return it->second > static_cast<int>(k);
  }

  bool client_sent_before(const Handout& h, size_t k) const {
    for (size_t j = 0; j < k; ++j)
      if (RequestTemplate::carries(xs_[j]->req, {h.value, h.id})) return true;
    return false;
  }

  static std::string path_of(const Exchange& x) { return x.req.target.substr(0, x.req.target.find('?')); }

  void add_slot(Session& s, Slot slot, Producer producer, bool id) {
    auto& v = values_[slot.recorded];
    if (v.slots.empty()) {
      v.index = wanted_.size();
      wanted_.push_back({slot.recorded, id});
      v.identity = slot.identity >= 0;
    }
    v.slots.push_back(static_cast<int>(s.slots.size()));
    s.slots.push_back(std::move(slot));
    producers_.push_back(std::move(producer));
  }

  // Of the answers before step k that handed out the value, the one that fits the place best:
  // the same key (room_id ← room_id), a generic "id" of the resource the path names
  // (/rooms/{id} ← POST /rooms), any "id", then anything; the latest wins a tie.
  int choose(Session& s, size_t value, const Site& site, size_t k) {
    const auto& v = values_.at(wanted_[value].recorded);
    int best = -1, best_score = -1;
    for (int slot : v.slots) {
      const Producer& p = producers_[static_cast<size_t>(slot)];
      if (p.step >= static_cast<int>(k)) continue;
      int score = 0;
      if (p.step >= 0) {
        std::string_view key = last_key(p.handout.where);
        if (!site.key.empty() && key == site.key) score += 4;
        if (!site.segment.empty() && names_segment(p.path, site.segment)) score += 2;
        if (key == "id") score += 1;
      }
      if (score >= best_score) {
        best = slot;
        best_score = score;
      }
    }
    if (best >= 0) ++s.slots[static_cast<size_t>(best)].uses;
    return best;
  }

  Step make_step(Session& s, size_t k) {
    const Exchange& x = *xs_[k];
    SlotChooser chooser = [&](size_t value, const Site& site) { return choose(s, value, site, k); };
    Step step{RequestTemplate(x.req, wanted_, chooser, options_.host), label_of(x), 0, 0, 0, {}, {}};
    step.offset_us = x.t_us - s.start_us;
    if (k > 0) {
      const Exchange& prev = *xs_[k - 1];
      step.think_us = std::max<int64_t>(0, x.t_us - (prev.t_us + (prev.res ? prev.res->dur_us : 0)));
    }
    step.hold_us = x.res ? x.res->dur_us : 0;
    return step;
  }

  struct Value {
    size_t index = 0;        // in wanted_
    std::vector<int> slots;  // one per producer
    bool identity = false;
  };

  const std::vector<const Exchange*>& xs_;
  const Profile& profile_;
  const SessionOptions& options_;
  std::map<std::string, Value> values_;
  std::unordered_set<std::string> rejected_;
  std::unordered_map<std::string, int> last_mention_;  // the last request whose text holds the value
  std::vector<Wanted> wanted_;
  std::vector<Producer> producers_;  // by slot
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
