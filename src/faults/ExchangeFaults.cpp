#include "faults/ExchangeFaults.hpp"

#include <algorithm>

namespace reprise::faults {

void ExchangeFaults::add(const std::string& name, std::unique_ptr<FaultAction> action) {
  names_.push_back(name);
  auto at = std::upper_bound(actions_.begin(), actions_.end(), action->rank(),
                             [](int rank, const auto& a) { return rank < a->rank(); });
  actions_.insert(at, std::move(action));
}

void ExchangeFaults::clear() {
  actions_.clear();
  names_.clear();
}

boost::asio::awaitable<Next> ExchangeFaults::before_upstream(ExchangeControl& x) {
  for (auto& a : actions_) {
    Next next = co_await a->before_upstream(x);
    if (next != Next::go_on) co_return next;
  }
  co_return Next::go_on;
}

boost::asio::awaitable<void> ExchangeFaults::before_answer(ExchangeControl& x) {
  for (auto& a : actions_) co_await a->before_answer(x);
}

Pacing ExchangeFaults::pacing(Direction d) const {
  Pacing pace;
  for (const auto& a : actions_) a->pace(d, pace);
  return pace;
}

FaultAction* ExchangeFaults::body_cutter(std::string_view content_type) {
  for (auto& a : actions_)
    if (a->watches_body(content_type)) return a.get();
  return nullptr;
}

bool ExchangeFaults::closes() const {
  return std::any_of(actions_.begin(), actions_.end(), [](const auto& a) { return a->closes(); });
}

boost::asio::awaitable<void> ExchangeFaults::at_close(ExchangeControl& x) {
  for (auto& a : actions_)
    if (a->closes()) co_return co_await a->at_close(x);  // the first that closes, as for the others
}

}  // namespace reprise::faults
