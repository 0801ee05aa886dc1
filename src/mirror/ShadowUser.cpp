#include "mirror/ShadowUser.hpp"

#include <algorithm>

#include "replay/RequestTemplate.hpp"

namespace reprise::mirror {

void ShadowUser::take_identities(const capture::Exchange& x, const replay::Fields& echoed) {
  const replay::IdentityContext ctx{static_cast<int>(copy_), 0, 1, copy_, &settings_->run};
  for (const auto& f : settings_->identities) {
    auto value = replay::identity_value(x.req, f.field);
    if (value && !values_.count(*value)) set(*value, replay::expand_identity(f.value_template, ctx), false);
  }
  if (!settings_->auto_identities || identified_ || echoed.empty()) return;
  identified_ = true;
  for (const auto& [name, value] : echoed) {
    bool templated = false;
    for (const auto& f : settings_->identities) templated |= f.field == name;
    if (!templated && !values_.count(value)) set(value, replay::unique_value(value, settings_->run, copy_), false);
  }
}

void ShadowUser::set(const std::string& primary, std::string live, bool id) {
  values_[primary] = {std::move(live), id, ++sets_};
  order_.emplace_back(primary, sets_);
  while (values_.size() > kMaxValues || order_.size() > 2 * kMaxValues) {
    auto [key, added] = std::move(order_.front());
    order_.pop_front();
    auto it = values_.find(key);
    if (it != values_.end() && it->second.added == added) values_.erase(it);  // not set again since
  }
}

void ShadowUser::render(const capture::Exchange& x, const replay::Fields& echoed, std::string& out) {
  take_identities(x, echoed);
  live_.clear();
  auto lookup = [this](std::string_view whole, bool id_place, const replay::Site&) {
    auto it = values_.find(std::string(whole));
    if (it == values_.end() || (it->second.id && !id_place)) return -1;
    live_.push_back(it->second.value);
    return static_cast<int>(live_.size() - 1);
  };
  replay::RequestTemplate(x.req, lookup, settings_->host).render(live_, out);
}

void ShadowUser::learn(const std::vector<replay::Handout>& handouts, const std::vector<http::Header>& headers,
                       const nlohmann::json* body) {
  std::string live;
  for (const auto& h : handouts) {
    const bool json = h.from == replay::Handout::From::json;
    if (json && !body) {  // the primary's own body: the mirror hands out the same value
      values_.erase(h.value);
      continue;
    }
    bool found = json ? replay::read_live(h, *body, live) : replay::read_live(h, headers, live);
    if (!found) continue;
    if (live == h.value)
      values_.erase(h.value);  // the latest answer says the mirror uses the primary's value
    else
      set(h.value, live, h.id);
  }
}

void ShadowUser::expect(uint64_t seq, const std::vector<replay::Handout>& handouts) {
  for (const auto& h : handouts) awaited_[h.value].push_back(seq);  // in order: seq only grows
}

void ShadowUser::settled(uint64_t seq, const std::vector<replay::Handout>& handouts) {
  for (const auto& h : handouts) {
    auto it = awaited_.find(h.value);
    if (it == awaited_.end()) continue;
    auto& seqs = it->second;
    if (auto at = std::find(seqs.begin(), seqs.end(), seq); at != seqs.end()) seqs.erase(at);
    if (seqs.empty()) awaited_.erase(it);
  }
}

bool ShadowUser::waits(uint64_t seq, const capture::Request& req) const {
  if (awaited_.empty()) return false;
  bool waiting = false;
  replay::RequestTemplate::each_value(req, [&](std::string_view whole, bool, const replay::Site&) {
    if (waiting) return;
    auto it = awaited_.find(std::string(whole));
    waiting = it != awaited_.end() && it->second.front() < seq;
  });
  return waiting;
}

std::string ShadowUser::value_for(const std::string& value) const {
  auto it = values_.find(value);
  return it == values_.end() ? std::string() : it->second.value;
}

}  // namespace reprise::mirror
