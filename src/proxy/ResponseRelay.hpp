// The upstream's answer on its way to the client: interim 1xx heads, the final head, then the
// body piece by piece as it comes (re-chunked for a body of unknown length, cut where a fault
// says), or a WebSocket tunnel after a 101. While a stream waits for its next event it hands
// back every buffer only starting it needed and watches the client with one plain handler, so a
// held stream costs little. Owns the upstream side's buffers, parser and deadline.
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

namespace reprise::proxy {

class ClientSession;

// How an exchange with the upstream ended. body_next: the head is relayed, the body is next.
enum class Outcome { done, retryable, failed, body_next };

class ResponseRelay {
 public:
  explicit ResponseRelay(ClientSession& session);

  boost::asio::awaitable<Outcome> head(net::UpstreamConnection& up);
  boost::asio::awaitable<bool> body(net::UpstreamConnection& up);  // true: the whole body went out
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
  boost::asio::awaitable<Outcome> final_head(net::UpstreamConnection& up, size_t head_len);
  Read read_upstream(net::UpstreamConnection& up);
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
  size_t read_size_ = 0;  // body reads start small and grow while the body keeps coming
};

}  // namespace reprise::proxy
