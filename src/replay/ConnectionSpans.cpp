#include "replay/ConnectionSpans.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace reprise::replay {
namespace {

// A connection that begins this soon after a user's last answer ended still follows from it: the
// page's document and scripts came on one connection, and its script opened the EventSource on
// another once they had run.
constexpr int64_t kFollowUs = 1'000'000;

// A user of one client, as its connections are met in order of their start.
struct User {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::set<std::string_view> first_requests;  // how each of its connections began
  size_t member = 0;                          // one of its connections
  bool seen = false;                          // put among the open users once (it may have closed since)
};

class ClientTimeline {
 public:
  ClientTimeline(const std::vector<ConnectionSpan>& spans, const std::vector<size_t>& members)
      : spans_(spans) {
    std::map<size_t, size_t> user_of;  // ConnectionSpan::user → index in users_
    for (size_t c : members) {
      const auto& s = spans[c];
      if (s.anonymous) {
        anonymous_.push_back(c);
        continue;
      }
      auto [it, added] = user_of.try_emplace(s.user, users_.size());
      if (added) users_.push_back({s.start_us, s.end_us, {}, c});
      widen(users_[it->second], s);
    }
    for (size_t u = 0; u < users_.size(); ++u) tied_.push_back(u);
    std::stable_sort(tied_.begin(), tied_.end(),
                     [&](size_t a, size_t b) { return users_[a].start_us < users_[b].start_us; });
    std::stable_sort(anonymous_.begin(), anonymous_.end(),
                     [&](size_t a, size_t b) { return spans[a].start_us < spans[b].start_us; });
  }

  void link(std::vector<std::pair<size_t, size_t>>& out) {
    for (size_t c : anonymous_) {
      const auto& s = spans_[c];
      open_until(s.start_us);
      auto during = users_during(s);
      if (during.size() == 1 && !users_[during[0]].first_requests.count(s.first_request)) {
        out.emplace_back(c, users_[during[0]].member);
        reopen(during[0], &s);
      } else {
        users_.push_back({s.start_us, s.end_us, {}, c});
        reopen(users_.size() - 1, &s);
      }
    }
  }

 private:
  static void widen(User& u, const ConnectionSpan& s) {
    u.start_us = std::min(u.start_us, s.start_us);
    u.end_us = std::max(u.end_us, s.end_us);
    u.first_requests.insert(s.first_request);
  }

  // The tied users started by `t_us` join the open ones; those that ended (kFollowUs) before it leave.
  void open_until(int64_t t_us) {
    for (; next_ < tied_.size() && users_[tied_[next_]].start_us <= t_us; ++next_)
      if (!users_[tied_[next_]].seen) reopen(tied_[next_], nullptr);
    while (!open_.empty() && open_.begin()->first + kFollowUs < t_us) open_.erase(open_.begin());
  }

  // Up to two users open at some time of `s` or just before: those open at its start, then tied
  // users starting before it ends (or just after).
  std::vector<size_t> users_during(const ConnectionSpan& s) const {
    std::vector<size_t> out;
    for (auto it = open_.begin(); it != open_.end() && out.size() < 2; ++it) out.push_back(it->second);
    for (size_t k = next_;
         k < tied_.size() && out.size() < 2 && users_[tied_[k]].start_us <= s.end_us + kFollowUs; ++k)
      if (!users_[tied_[k]].seen) out.push_back(tied_[k]);
    return out;
  }

  // Puts user `u` among the open users, widened by `s` when a connection joins it.
  void reopen(size_t u, const ConnectionSpan* s) {
    auto& user = users_[u];
    if (user.seen) open_.erase({user.end_us, u});
    if (s) widen(user, *s);
    user.seen = true;
    open_.emplace(user.end_us, u);
  }

  const std::vector<ConnectionSpan>& spans_;
  std::vector<User> users_;                    // tied users first, then the users anonymous connections begin
  std::vector<size_t> tied_;                   // the tied users, by start
  std::vector<size_t> anonymous_;              // connections, by start
  size_t next_ = 0;                            // the first tied user not yet started
  std::set<std::pair<int64_t, size_t>> open_;  // (end, user): the users open at the time reached
};

}  // namespace

std::vector<std::pair<size_t, size_t>> links_in_time(const std::vector<ConnectionSpan>& spans) {
  std::map<std::string_view, std::vector<size_t>> by_client;
  for (size_t c = 0; c < spans.size(); ++c)
    if (!spans[c].client.empty()) by_client[spans[c].client].push_back(c);
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& [client, members] : by_client) ClientTimeline(spans, members).link(out);
  return out;
}

}  // namespace reprise::replay
