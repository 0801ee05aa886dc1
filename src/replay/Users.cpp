#include "replay/Users.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "replay/Correlation.hpp"

namespace reprise::replay {
namespace {

constexpr size_t kMinLinkLength = 8;

struct DisjointSets {
  std::vector<size_t> parent;
  explicit DisjointSets(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t find(size_t i) { return parent[i] == i ? i : parent[i] = find(parent[i]); }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

// The tokens of a request where a credential stands: header tokens, path segments, query values.
template <class F>
void each_token(const capture::Request& req, F&& f) {
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

}  // namespace

std::vector<std::vector<std::string>> group_users(const Connections& connections) {
  std::vector<const std::vector<const capture::Exchange*>*> list;
  std::vector<std::string> keys;
  for (const auto& [key, xs] : connections) {
    keys.push_back(key);
    list.push_back(&xs);
  }
  // Long values handed out, with the connection and the time of the first answer that did.
  std::unordered_map<std::string, std::pair<size_t, int64_t>> handed;
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
        each_token(x->req, [&](std::string_view token) {
          auto it = handed.find(std::string(token));
          if (it != handed.end() && it->second.first != c && it->second.second < x->t_us)
            sets.join(c, it->second.first);
        });
  std::map<size_t, std::vector<size_t>> by_root;
  for (size_t c = 0; c < list.size(); ++c) by_root[sets.find(c)].push_back(c);
  auto earlier = [&](size_t a, size_t b) { return list[a]->front()->t_us < list[b]->front()->t_us; };
  std::vector<std::vector<size_t>> groups;
  for (auto& [root, members] : by_root) {
    std::stable_sort(members.begin(), members.end(), earlier);
    groups.push_back(std::move(members));
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [&](const auto& a, const auto& b) { return earlier(a[0], b[0]); });
  std::vector<std::vector<std::string>> out;
  for (const auto& members : groups) {
    out.emplace_back();
    for (size_t c : members) out.back().push_back(keys[c]);
  }
  return out;
}

}  // namespace reprise::replay
