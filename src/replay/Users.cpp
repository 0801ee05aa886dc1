#include "replay/Users.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_map>

#include "capture/SecretNames.hpp"
#include "http/MessageHead.hpp"
#include "replay/ConnectionSpans.hpp"
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

// Calls f(name, value) for each "name=value" of a `sep`-separated list, spaces around them trimmed.
template <typename F>
void each_pair(std::string_view list, char sep, F&& f) {
  auto trim = [](std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    return t;
  };
  while (!list.empty()) {
    std::string_view pair = list.substr(0, list.find(sep));
    list.remove_prefix(std::min(list.size(), pair.size() + 1));
    if (size_t eq = pair.find('='); eq != std::string_view::npos)
      f(trim(pair.substr(0, eq)), trim(pair.substr(eq + 1)));
  }
}

// Calls `f` with each value in `req`'s Cookie headers of kMinLinkLength characters or more.
template <typename F>
void each_cookie_value(const capture::Request& req, F&& f) {
  for (const auto& [name, value] : req.headers)
    if (http::iequals(name, "cookie"))
      each_pair(value, ';', [&](std::string_view, std::string_view v) {
        if (v.size() >= kMinLinkLength) f(v);
      });
}

// True when `req` carries a credential other than a cookie: an Authorization header, or a header or
// query parameter with a credential's name (capture/SecretNames: X-Api-Key, ?token=).
bool carries_credential(const capture::Request& req) {
  bool found = false;
  for (const auto& [name, value] : req.headers)
    if (!value.empty() && !http::iequals(name, "cookie") && capture::is_default_secret_name(name))
      found = true;  // Authorization, X-Api-Key, X-Auth-Token...
  std::string_view target = req.target;
  if (size_t q = target.find('?'); q != std::string_view::npos)
    each_pair(target.substr(q + 1), '&', [&](std::string_view name, std::string_view value) {
      if (!value.empty() && capture::is_default_secret_name(name)) found = true;
    });
  return found;
}

// A value handed out on one connection and carried later by a request on another.
void join_by_handouts(const Lists& list, const AutomaticHandouts& handouts, DisjointSets& sets) {
  std::unordered_map<std::string, std::pair<size_t, int64_t>> handed;  // value → connection, time
  for (size_t c = 0; c < list.size(); ++c)
    for (const auto* x : *list[c])
      for (const auto& h : handouts.of(*x))
        if (!h.id && h.value.size() >= kMinLinkLength) handed.try_emplace(h.value, c, x->t_us);
  if (handed.empty()) return;
  for (size_t c = 0; c < list.size(); ++c)
    for (const auto* x : *list[c])
      each_link_token(x->req, [&](std::string_view token) {
        auto it = handed.find(std::string(token));
        if (it != handed.end() && it->second.first != c && it->second.second < x->t_us)
          sets.join(c, it->second.first);
      });
}

// A cookie value carried on two connections, handed out in the capture or not (set by a script, or
// before the recording began). A value that clients at two addresses carry is a site's setting
// (a consent, a theme), not one browser's: it joins nobody and is no credential. Returns, by
// connection, whether it carries a cookie value of its browser's own.
std::vector<bool> join_by_cookies(const Lists& list, const std::vector<std::string_view>& clients,
                                  DisjointSets& sets) {
  struct Carriers {
    size_t first;
    std::string_view client;  // the first address that carried it
    bool shared = false;      // by clients at two addresses
  };
  std::unordered_map<std::string_view, Carriers> carriers;
  std::vector<std::pair<std::string_view, size_t>> uses;  // (value, connection)
  for (size_t c = 0; c < list.size(); ++c)
    for (const auto* x : *list[c])
      each_cookie_value(x->req, [&](std::string_view value) {
        auto& carrier = carriers.try_emplace(value, Carriers{c, clients[c]}).first->second;
        if (carrier.client.empty()) carrier.client = clients[c];
        carrier.shared = carrier.shared || (!clients[c].empty() && clients[c] != carrier.client);
        uses.emplace_back(value, c);
      });
  std::vector<bool> own(list.size(), false);
  for (const auto& [value, c] : uses)
    if (const auto& carrier = carriers.at(value); !carrier.shared) {
      sets.join(c, carrier.first);
      own[c] = true;
    }
  return own;
}

// The connections of one page load (a HAR's pageref).
void join_by_pages(const Lists& list, DisjointSets& sets) {
  std::unordered_map<std::string_view, size_t> first;
  for (size_t c = 0; c < list.size(); ++c)
    for (const auto* x : *list[c])
      if (!x->page.empty()) sets.join(c, first.try_emplace(x->page, c).first->second);
}

ConnectionSpan span_of(const std::vector<const capture::Exchange*>& xs, std::string_view client) {
  ConnectionSpan s;
  s.client = client;
  s.start_us = s.end_us = xs.front()->t_us;
  for (const auto* x : xs) s.end_us = std::max(s.end_us, x->t_us + (x->res ? x->res->dur_us : 0));
  const auto& first = xs.front()->req;
  s.first_request = first.method + " " + first.target.substr(0, first.target.find('?'));
  return s;
}

// Connections of one client that no credential ties to anyone, joined by time (ConnectionSpans).
// `own_cookie`: by connection, whether it carries a cookie of its browser's own (a credential).
void join_by_time(const Lists& list, const std::vector<std::string_view>& clients,
                  const std::vector<bool>& own_cookie, DisjointSets& sets) {
  std::vector<size_t> members(list.size(), 0);
  for (size_t c = 0; c < list.size(); ++c) ++members[sets.find(c)];
  std::vector<ConnectionSpan> spans;
  for (size_t c = 0; c < list.size(); ++c) {
    spans.push_back(span_of(*list[c], clients[c]));
    spans.back().user = sets.find(c);
    spans.back().anonymous = members[sets.find(c)] == 1 && !own_cookie[c] &&
                             std::none_of(list[c]->begin(), list[c]->end(),
                                          [](const auto* x) { return carries_credential(x->req); });
  }
  for (const auto& [a, b] : links_in_time(spans)) sets.join(a, b);
}

// The client of each connection: the first address its records name ("" for none).
std::vector<std::string_view> clients_of(const Lists& list) {
  std::vector<std::string_view> out;
  for (const auto* xs : list) {
    auto named = std::find_if(xs->begin(), xs->end(), [](const auto* x) { return !x->client.empty(); });
    out.push_back(named == xs->end() ? std::string_view{} : std::string_view((*named)->client));
  }
  return out;
}

// Connections joined into users: by credentials, cookies and page loads, then by time.
std::vector<std::vector<size_t>> join_connections(const Lists& list, const std::vector<int64_t>& first,
                                                  const AutomaticHandouts& handouts) {
  DisjointSets sets(list.size());
  const auto clients = clients_of(list);
  join_by_handouts(list, handouts, sets);
  const auto own_cookie = join_by_cookies(list, clients, sets);
  join_by_pages(list, sets);
  join_by_time(list, clients, own_cookie, sets);
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
std::vector<std::vector<size_t>> join_users(const std::vector<std::vector<const capture::Exchange*>>& users,
                                            const AutomaticHandouts& handouts) {
  std::unordered_map<std::string, std::vector<Handed>> handed;
  for (size_t u = 0; u < users.size(); ++u)
    for (const auto* x : users[u]) {
      if (!x->res) continue;
      std::set<std::string, std::less<>> carried;  // an answer echoing its request hands nothing out
      RequestTemplate::each_value(x->req,
                                  [&](std::string_view whole, bool, const Site&) { carried.emplace(whole); });
      for (const auto& h : handouts.of(*x)) {
        if (carried.count(h.value)) continue;
        std::string_view target = x->req.target;
        handed[h.value].push_back({u, x->t_us, h, target.substr(0, target.find('?'))});
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

std::vector<UserGroup> group_users(const Connections& connections, const AutomaticHandouts& handouts) {
  Lists list;
  std::vector<std::string> keys;
  std::vector<int64_t> first;
  for (const auto& [key, xs] : connections) {
    if (xs.empty()) continue;
    keys.push_back(key);
    list.push_back(&xs);
    first.push_back(xs.front()->t_us);
  }
  auto users = join_connections(list, first, handouts);
  std::vector<std::vector<const capture::Exchange*>> exchanges(users.size());  // each user's, in time order
  for (size_t u = 0; u < users.size(); ++u) {
    for (size_t c : users[u]) exchanges[u].insert(exchanges[u].end(), list[c]->begin(), list[c]->end());
    std::stable_sort(exchanges[u].begin(), exchanges[u].end(),
                     [](const auto* a, const auto* b) { return a->t_us < b->t_us; });
  }
  std::vector<UserGroup> out;
  for (const auto& members : join_users(exchanges, handouts)) {
    out.emplace_back();
    for (size_t u : members) {
      out.back().users.emplace_back();
      for (size_t c : users[u]) out.back().users.back().push_back(keys[c]);
    }
  }
  return out;
}

}  // namespace reprise::replay
