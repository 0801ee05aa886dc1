// The faults that hit one exchange, as the proxy session meets them: each fault point runs the
// hooks of the actions that hit (faults/FaultAction), in rank order, then the file's. Waits add
// up and pacings give the slower; of the rest, the first acts (the first that ends the exchange,
// the first that cuts the body, the first that closes). Filled by FaultSet::choose; one per
// session, cleared between exchanges. Nothing here knows a kind.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faults/FaultAction.hpp"

namespace reprise::faults {

class ExchangeFaults {
 public:
  bool any() const { return !names_.empty(); }
  // The faults that hit, in the file's order: for faults_injected and the access log.
  const std::vector<std::string>& names() const { return names_; }
  void add(const std::string& name, std::unique_ptr<FaultAction> action);
  void clear();

  boost::asio::awaitable<Next> before_upstream(ExchangeControl& x);
  boost::asio::awaitable<void> before_answer(ExchangeControl& x);
  Pacing pacing(Direction d) const;  // unpaced (0 bytes) when none paces it
  // The action that cuts a body of this type; null when none does (the first that watches it).
  FaultAction* body_cutter(std::string_view content_type);
  bool closes() const;
  boost::asio::awaitable<void> at_close(ExchangeControl& x);  // the first that closes

 private:
  std::vector<std::unique_ptr<FaultAction>> actions_;  // by rank, then the file's order
  std::vector<std::string> names_;
};

}  // namespace reprise::faults
