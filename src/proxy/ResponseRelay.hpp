// The upstream's answer on its way to the client: interim 1xx heads, the final head, then the
// body piece by piece as it comes (re-chunked for a body of unknown length, cut where a fault
// says), or a WebSocket tunnel after a 101. While a stream waits for its next event it hands
// back every buffer only starting it needed, watches the client with one plain handler and
// (Holding) lets the session's coroutines end, so a held stream or tunnel costs little. Owns
// the upstream side's buffers, parser and deadline.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"
#include "proxy/StreamCut.hpp"
#include "proxy/Tunnel.hpp"

namespace reprise::proxy {

class ClientSession;

// How an exchange with the upstream ended. body_next: the head is relayed, the body is next;
// held: the body waits for the upstream, or a tunnel runs, and the session's coroutines have
// ended (see Holding).
enum class Outcome { done, retryable, failed, body_next, held };

class ResponseRelay {
 public:
  explicit ResponseRelay(ClientSession& session);

  // never: the exchange waits in its coroutines (a request body streams beside it). allowed: once
  // the request is all sent, a body that waits for the upstream, or a tunnel, returns `held`
  // instead, the relay's state, the client watch and the tunnel left running; the session then
  // waits for the upstream or tunnel(). resumed: that wait has ended with `ec` (see woken()),
  // and the body goes on from there (a tunnel is over).
  enum class Holding { never, allowed, resumed };
  boost::asio::awaitable<Outcome> head(net::UpstreamConnection& up, Holding holding);
  boost::asio::awaitable<Outcome> body(net::UpstreamConnection& up, Holding holding);
  void woken(const boost::system::error_code& ec) { woken_by_ = ec; }
  TunnelEnds* tunnel() { return tunnel_.get(); }  // a held tunnel's
  // A held tunnel's wait has ended: `failed` once it is over (it ended both connections); if
  // anything else woke it, both directions are ended (their sockets' operations cancelled) and
  // it is `held` again until they have.
  Outcome tunnel_woken(net::UpstreamConnection& up);
  boost::asio::awaitable<Outcome> whole(net::UpstreamConnection& up);

  net::Watchdog& deadline() { return up_dog_; }  // the upstream connection's
  // The connection may serve another request: the answer ended where its framing said.
  bool upstream_reusable() const;
  // The buffer an answer's head is written in: the upstream's, or the session's own error and
  // abort answers.
  std::string& answer_buffer() { return head_; }
  void end_cut() { cut_.end(); }  // the faults that hit the exchange are gone

 private:
  enum class HeadResult { ok, closed, timed_out, malformed };
  enum class Read { data, eof, nothing_yet, failed };

  boost::asio::awaitable<HeadResult> read_head(net::UpstreamConnection& up, size_t& head_len);
  boost::asio::awaitable<Outcome> final_head(net::UpstreamConnection& up, size_t head_len, Holding holding);
  Read read_upstream(net::UpstreamConnection& up);
  Read read_after_wait(net::UpstreamConnection& up, boost::system::error_code ec);
  void end_cut_short();
  void shed_memory();
  void watch_client(boost::asio::ip::tcp::socket& upstream);
  void stop_watching_client();

  ClientSession& s_;
  net::Watchdog up_dog_;  // pointed at whichever upstream connection the exchange uses
  net::ByteBuffer up_in_;
  http::MessageParser response_{http::MessageParser::Type::response};
  std::string head_;
  std::vector<boost::asio::const_buffer> out_;
  std::vector<std::array<char, 20>> sizes_;
  StreamCut cut_;
  struct ClientWatch {
    boost::asio::ip::tcp::socket* upstream = nullptr;  // null once the relay is over
    bool client_gone = false;
  };
  std::shared_ptr<ClientWatch> watch_;
  std::shared_ptr<TunnelEnds> tunnel_;  // a tunnel's, while it runs
  net::ReadSize read_size_;             // body reads start small and grow while the body keeps coming
  boost::system::error_code woken_by_;  // how a held stream's wait ended
};

}  // namespace reprise::proxy
