#include "replay/Users.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_map>

#include "replay/Correlation.hpp"
#include "replay/RequestTemplate.hpp"

namespace reprise::replay {
namespace {

constexpr size_t kMaxLookBack = 256;  // the latest handouts of a value before its use that are weighed

struct DisjointSets {
  std::vector<size_t> parent;
  explicit DisjointSets(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t find(size_t i) { return parent[i] == i ? i : parent[i] = find(parent[i]); }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

using Lists = std::vector<const std::vector<const capture::Exchange*>*>;

// Sets of indexes (into `lists`), ordered by their first exchange; the sets in the same order.
std::vector<std::vector<size_t>> ordered_sets(DisjointSets& sets, const std::vector<int64_t>& first) {
  std::map<size_t, std::vector<size_t>> by_root;
  for (size_t i = 0; i < first.size(); ++i) by_root[sets.find(i)].push_back(i);
  auto earlier = [&](size_t a, size_t b) { return first[a] < first[b]; };
  std::vector<std::vector<size_t>> out;
  for (auto& [root, members] : by_root) {
    std::stable_sort(members.begin(), members.end(), earlier);
    out.push_back(std::move(members));
  }
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return earlier(a[0], b[0]); });
  return out;
}

// Connections joined by the credentials they share.
std::vector<std::vector<size_t>> join_connections(const Lists& list, const std::vector<int64_t>& first) {
  std::unordered_map<std::string, std::pair<size_t, int64_t>> handed;  // value → connection, time
  const CorrelateRules rules;
  for (size_t c = 0; c < list.size(); ++c)
    for (const auto* x : *list[c])
      if (x->res)
        for (const auto& h : find_handouts(*x->res, rules, true))
          if (!h.id && h.value.size() >= kMinLinkLength) handed.try_emplace(h.value, c, x->t_us);
  DisjointSets sets(list.size());
  if (!handed.empty())
    for (size_t c = 0; c < list.size(); ++c)
      for (const auto* x : *list[c])
        each_link_token(x->req, [&](std::string_view token) {
          auto it = handed.find(std::string(token));
          if (it != handed.end() && it->second.first != c && it->second.second < x->t_us)
            sets.join(c, it->second.first);
        });
  return ordered_sets(sets, first);
}

// One answer's handout of a value, by user.
struct Handed {
  size_t user;
  int64_t t_us;
  Handout handout;
  std::string_view path;
};

// Users joined when one carries a value only another's answer handed out (and fits the place).
std::vector<std::vector<size_t>> join_users(const std::vector<std::vector<const capture::Exchange*>>& users) {
  std::unordered_map<std::string, std::vector<Handed>> handed;
  const CorrelateRules rules;
  for (size_t u = 0; u < users.size(); ++u)
    for (const auto* x : users[u]) {
      if (!x->res) continue;
      std::set<std::string, std::less<>> carried;  // an answer echoing its request hands nothing out
      RequestTemplate::each_value(x->req,
                                  [&](std::string_view whole, bool, const Site&) { carried.emplace(whole); });
      for (auto& h : find_handouts(*x->res, rules, true)) {
        if (carried.count(h.value)) continue;
        std::string value = h.value;
        std::string_view target = x->req.target;
        handed[value].push_back({u, x->t_us, std::move(h), target.substr(0, target.find('?'))});
      }
    }
  for (auto& [value, list] : handed)
    std::stable_sort(list.begin(), list.end(),
                     [](const Handed& a, const Handed& b) { return a.t_us < b.t_us; });
  DisjointSets sets(users.size());
  for (size_t u = 0; u < users.size(); ++u) {
    std::set<std::string, std::less<>> sent;  // what this user carried before
    for (const auto* x : users[u]) {
      std::vector<std::string> now;
      RequestTemplate::each_value(x->req, [&](std::string_view whole, bool id_place, const Site& site) {
        now.emplace_back(whole);
        auto it = handed.find(std::string(whole));
        if (it == handed.end()) return;
        const bool carried_before = sent.count(whole) > 0;  // a long value the user had: not handed to it
        const auto& list = it->second;                      // by time
        auto end = std::lower_bound(list.begin(), list.end(), x->t_us,
                                    [](const Handed& h, int64_t t) { return h.t_us < t; });
        int own = -1, other = -1;
        size_t other_user = u;
        bool tie = false;  // two other users hand it out at the best fit: no telling whose it is
        for (auto h = end; h != list.begin() && end - h < static_cast<std::ptrdiff_t>(kMaxLookBack);) {
          --h;
          if ((h->handout.id && !id_place) || (!h->handout.id && carried_before)) continue;
          int fit = h->handout.id ? handout_fit(h->handout.where, h->path, site.key, site.segment)
                                  : (h->handout.value.size() >= kMinLinkLength ? 1 : -1);
          if (h->user == u) {
            own = std::max(own, fit);
          } else if (fit > other) {
            other = fit;
            other_user = h->user;
            tie = false;
          } else if (fit == other && h->user != other_user) {
            tie = true;
          }
        }
        if (tie) return;
        if (other >= 1 && other > own) sets.join(u, other_user);
      });
      sent.insert(now.begin(), now.end());
    }
  }
  std::vector<int64_t> first;
  for (const auto& xs : users) first.push_back(xs.front()->t_us);
  return ordered_sets(sets, first);
}

}  // namespace

void each_link_token(const capture::Request& req, const std::function<void(std::string_view)>& f) {
  auto split = [&](std::string_view text, std::string_view edges) {
    for (size_t i = 0; i <= text.size();) {
      size_t end = text.find_first_of(edges, i);
      if (end == std::string_view::npos) end = text.size();
      if (end - i >= kMinLinkLength) f(text.substr(i, end - i));
      i = end + 1;
    }
  };
  for (const auto& [name, value] : req.headers) split(value, " ,;=\t");
  split(req.target, "/?&=");
}

std::vector<UserGroup> group_users(const Connections& connections) {
  Lists list;
  std::vector<std::string> keys;
  std::vector<int64_t> first;
  for (const auto& [key, xs] : connections) {
    if (xs.empty()) continue;
    keys.push_back(key);
    list.push_back(&xs);
    first.push_back(xs.front()->t_us);
  }
  auto users = join_connections(list, first);
  std::vector<std::vector<const capture::Exchange*>> exchanges(users.size());  // each user's, in time order
  for (size_t u = 0; u < users.size(); ++u) {
    for (size_t c : users[u]) exchanges[u].insert(exchanges[u].end(), list[c]->begin(), list[c]->end());
    std::stable_sort(exchanges[u].begin(), exchanges[u].end(),
                     [](const auto* a, const auto* b) { return a->t_us < b->t_us; });
  }
  std::vector<UserGroup> out;
  for (const auto& members : join_users(exchanges)) {
    out.emplace_back();
    for (size_t u : members) {
      out.back().users.emplace_back();
      for (size_t c : users[u]) out.back().users.back().push_back(keys[c]);
    }
  }
  return out;
}

}  // namespace reprise::replay
