// One connection as the proxy and the replayer use it: plain TCP, or TLS over TCP, chosen at run
// time. Reads and writes go through it; everything that is about the TCP connection itself
// (options, waits for readability, cancel, shutdown, an RST) goes to socket(), the TCP socket
// underneath, whichever it is. It knows nothing of HTTP.
//
// TLS is OpenSSL's, on the socket itself: OpenSSL reads and writes the non-blocking descriptor,
// and when it asks for more (SSL_ERROR_WANT_READ / WANT_WRITE) the operation waits for the socket
// to turn readable or writable and tries again. Asio's ssl::stream does the same work through a
// BIO pair and two 17 KiB buffers of its own per connection, which an idle connection keeps; here
// an idle TLS connection keeps only OpenSSL's own state (its buffers go back while idle:
// SSL_MODE_RELEASE_BUFFERS), and bytes are not copied twice on their way. OpenSSL writes with
// write(2), not send(MSG_NOSIGNAL): a process using TLS ignores SIGPIPE (main() does).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <memory>
#include <type_traits>

#include "net/Ring.hpp"

namespace reprise::net {

class Stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = tcp::socket::executor_type;
  enum class Side { client, server };

  explicit Stream(tcp::socket socket) : socket_(std::move(socket)) {}
  // TLS over `socket` with the settings of `context` (the handshake is still to come).
  Stream(tcp::socket socket, SSL_CTX* context);
  explicit Stream(const executor_type& executor) : socket_(executor) {}
  // Moved only while no operation is pending (a pending one refers to this object).
  Stream(Stream&&) = default;
  Stream& operator=(Stream&& other) {
    cancel_ring();
    socket_ = std::move(other.socket_);
    ssl_ = std::move(other.ssl_);
    broken_ = other.broken_;
    in_ring_ = other.in_ring_;
    return *this;
  }
  // A read or write still pending in the worker's ring ends before its buffer can go.
  ~Stream() { cancel_ring(); }

  tcp::socket& socket() { return socket_; }
  const tcp::socket& socket() const { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }
  bool is_open() const { return socket_.is_open(); }
  // OpenSSL's connection; null for plain TCP.
  SSL* tls() { return ssl_.get(); }

  // The TLS handshake, as `side`; the socket must be connected.
  template <typename Token>
  auto async_handshake(Side side, Token&& token) {
    start_tls(side);
    return async_tls<void(boost::system::error_code)>(
        [](SSL* ssl, size_t&) { return SSL_do_handshake(ssl); }, std::forward<Token>(token));
  }

  // Plain TCP or TLS is chosen when the operation starts (with a deferred token, when awaited),
  // so both give one type of operation.
  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const Buffers& into_buffers) {
          if (!ssl_) {
            if (Ring* ring = Ring::here(socket_.get_executor().context())) {
              in_ring_ = true;
              return ring->async_receive(socket_.native_handle(), into_buffers, std::move(handler));
            }
            return socket_.async_read_some(into_buffers, std::move(handler));
          }
          async_tls<void(boost::system::error_code, size_t)>(
              [into = first_buffer(into_buffers)](SSL* ssl, size_t& n) { return read_into(ssl, into, n); },
              std::move(handler));
        },
        token, buffers);
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const Buffers& from_buffers) {
          if (!ssl_) {
            if (Ring* ring = Ring::here(socket_.get_executor().context())) {
              in_ring_ = true;
              return ring->async_send(socket_.native_handle(), from_buffers, std::move(handler));
            }
            return socket_.async_write_some(from_buffers, std::move(handler));
          }
          async_tls<void(boost::system::error_code, size_t)>(
              [from_buffers](SSL* ssl, size_t& n) { return write_records(ssl, from_buffers, n); },
              std::move(handler));
        },
        token, buffers);
  }

  // Reads what is there without waiting (the socket is non-blocking: tune()): would_block when
  // nothing is. Under TLS, data OpenSSL already holds comes first, so a caller reads until
  // would_block before it waits for the socket to turn readable. OpenSSL's WANT_WRITE counts as
  // would_block too: with renegotiation off a read never has to write (OpenSSL answers a peer's
  // KeyUpdate with the next write; a unit test pins that), so it never comes.
  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (!ssl_) return socket_.read_some(buffers, ec);
    size_t n = 0;
    Step step = attempt([into = first_buffer(buffers)](SSL* ssl, size_t& got) { return read_into(ssl, into, got); }, n);
    ec = step.want == Want::nothing ? step.ec : boost::asio::error::would_block;
    return n;
  }

  // Completes, (error_code, bytes peeked), once the socket has bytes or the peer's FIN to read,
  // taking none: a one-byte MSG_PEEK receive; peeked() is the byte. For a wait that must not
  // wake for nothing: Asio completes socket().async_wait(wait_read) on any epoll event for the
  // socket, a stale one too (the edge of bytes read since), so it may wake with nothing to
  // read. A loop that reads after the wait and waits again can take that (one syscall fewer);
  // a wait that takes a wake for a sign (the peer left, a request came) cannot. readable(ec)
  // tells a socket ready to read (the FIN included) from a failed or cancelled wait.
  template <typename Token>
  auto async_wait_readable(Token&& token) {
    return socket_.async_receive(boost::asio::buffer(&peeked_, 1), tcp::socket::message_peek,
                                 std::forward<Token>(token));
  }
  static bool readable(const boost::system::error_code& ec) { return !ec || ec == boost::asio::error::eof; }
  unsigned char peeked() const { return static_cast<unsigned char>(peeked_); }

  // Every read, write and wait pending on the connection completes with operation_aborted.
  void cancel() {
    cancel_ring();
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  // Sends TLS's close_notify if it can without waiting; the TCP connection is left as it is.
  void say_goodbye();
  // Ends the connection: close_notify under TLS, a FIN, the descriptor closed.
  void close();

 private:
  enum class Want { nothing, read, write };
  struct Step {
    Want want = Want::nothing;
    boost::system::error_code ec;
  };
  struct FreeSsl {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  template <typename Buffers>
  static boost::asio::mutable_buffer first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it)
      if (boost::asio::mutable_buffer b(*it); b.size()) return b;
    return {};
  }

  // One SSL_read into `into`; an empty buffer reads nothing and is done.
  static int read_into(SSL* ssl, boost::asio::mutable_buffer into, size_t& n) {
    return into.size() ? SSL_read_ex(ssl, into.data(), into.size(), &n) : 1;
  }

  // One SSL_write of up to a record's worth of `buffers`: the first ones copied together when
  // they are small (a head and a short body go out in one record), else the first as it is.
  // Retried with the same bytes after WANT_WRITE, as OpenSSL requires.
  template <typename Buffers>
  static int write_records(SSL* ssl, const Buffers& buffers, size_t& n) {
    constexpr size_t kRecord = 16384;
    unsigned char joined[kRecord];
    size_t len = 0;
    auto it = boost::asio::buffer_sequence_begin(buffers), end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end && len < kRecord; ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (len == 0 && b.size() >= kRecord / 2) return SSL_write_ex(ssl, b.data(), b.size(), &n);
      size_t take = std::min(b.size(), kRecord - len);
      std::memcpy(joined + len, b.data(), take);
      len += take;
    }
    return len ? SSL_write_ex(ssl, joined, len, &n) : 1;
  }

  void cancel_ring() {
    if (in_ring_) Ring::cancel_ring(socket_);
  }
  void start_tls(Side side);
  // One OpenSSL call: `call(ssl, n)` returns what SSL_*_ex returns.
  template <typename Call>
  Step attempt(const Call& call, size_t& n) {
    // OpenSSL knows the descriptor's number only: once closed, that number may be another's.
    if (!socket_.is_open()) return {Want::nothing, boost::asio::error::bad_descriptor};
    clear_errors();
    return settle(call(ssl_.get(), n));
  }
  static void clear_errors();
  Step settle(int ret);

  // An OpenSSL call retried each time the socket turns as OpenSSL asks, until it is done; its
  // completion is never run from inside the initiating call (as Asio's own operations).
  template <typename Signature, typename Call, typename Token>
  auto async_tls(Call call, Token&& token) {
    return boost::asio::async_compose<Token, Signature>(
        [this, call, started = false](auto& self, boost::system::error_code ec = {}, size_t = 0) mutable {
          size_t n = 0;
          Step step = readable(ec) ? attempt(call, n) : Step{Want::nothing, ec};
          if (step.want != Want::nothing) {  // a wake for nothing only means one more try
            started = true;
            socket_.async_wait(step.want == Want::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                               std::move(self));
            return;
          }
          auto finish = [ec = step.ec, n](auto& handler) {
            if constexpr (std::is_same_v<Signature, void(boost::system::error_code)>)
              handler.complete(ec);
            else
              handler.complete(ec, n);
          };
          if (started) return finish(self);
          boost::asio::post(socket_.get_executor(),
                            [self = std::move(self), finish]() mutable { finish(self); });
        },
        token, socket_);
  }

  tcp::socket socket_;
  std::unique_ptr<SSL, FreeSsl> ssl_;  // null: plain TCP
  bool broken_ = false;                // OpenSSL failed on it: no close_notify may follow
  bool in_ring_ = false;               // it has read or written through the worker's ring
  char peeked_ = 0;                    // async_wait_readable's byte, never read
};

// The end of what a peer sends: a FIN, or under TLS a close_notify or a FIN without one (a
// close-delimited body ends either way, as browsers and curl take it).
bool is_end_of_stream(const boost::system::error_code& ec);

}  // namespace reprise::net
