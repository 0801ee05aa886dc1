#include "net/Watchdog.hpp"

#include "net/Ring.hpp"

namespace reprise::net {

Watchdog::Watchdog(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<State>(socket.get_executor(), &socket)) {}

Watchdog::Watchdog(const boost::asio::any_io_executor& executor)
    : state_(std::make_shared<State>(executor, nullptr)) {}

Watchdog::~Watchdog() {
  state_->socket = nullptr;
  state_->timer.cancel();
}

void Watchdog::arm(clock::duration timeout) {
  auto& s = *state_;
  s.deadline = clock::now() + timeout;
  s.expired = false;
  if (!s.waiting) wait(state_);
  else if (s.deadline < s.timer.expiry()) s.timer.cancel();  // the handler re-waits for the nearer deadline
}

void Watchdog::disarm() { state_->deadline = clock::time_point::max(); }

void Watchdog::stop() {
  disarm();
  state_->timer.cancel();
}

void Watchdog::wait(const std::shared_ptr<State>& state) {
  state->waiting = true;
  state->timer.expires_at(state->deadline);
  state->timer.async_wait([state](const boost::system::error_code&) {
    state->waiting = false;
    if (state->deadline == clock::time_point::max()) return;
    if (!state->socket) return;
    if (clock::now() >= state->deadline) {
      state->expired = true;
      Ring::cancel_pending(*state->socket);
      return;
    }
    wait(state);
  });
}

}  // namespace reprise::net
