// A request on its way to the upstream: the head and whatever body has come, then the rest of
// the body pumped from the client beside the answer's relay (which may start first: a 100
// Continue, an early 413). Owns the request's head as it goes upstream, its gather list and
// its pacing.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <string>
#include <vector>

#include "net/UpstreamPool.hpp"
#include "proxy/PacedWriter.hpp"
#include "proxy/ResponseRelay.hpp"

namespace reprise::proxy {

class ClientSession;

class UpstreamRequest {
 public:
  explicit UpstreamRequest(ClientSession& session) : s_(session) {}

  std::string& head() { return head_; }  // written by the session from the client's head
  void pace(const faults::Pacing& pacing) { writer_.pace(pacing); }
  // Sends the request and relays the answer's head (and, beside a body still coming, all of it).
  boost::asio::awaitable<Outcome> send(net::UpstreamConnection& up);
  void shed_memory();

 private:
  boost::asio::awaitable<Outcome> relay_beside_pump(net::UpstreamConnection& up, bool chunked);
  boost::asio::awaitable<void> relay_then_stop_pump(net::UpstreamConnection& up);
  boost::asio::awaitable<void> pump_body(net::UpstreamConnection& up, bool chunked);

  ClientSession& s_;
  std::string head_;
  std::vector<boost::asio::const_buffer> out_;
  std::vector<std::array<char, 20>> sizes_;
  PacedWriter writer_;
  Outcome relay_outcome_ = Outcome::failed;
};

}  // namespace reprise::proxy
