// One connection as the proxy and the replayer use it: plain TCP, or TLS over TCP (OpenSSL
// through Asio's ssl::stream), chosen at run time. Reads and writes go through it; everything
// that is about the TCP connection itself (options, waits for readability, cancel, shutdown,
// an RST) goes to socket(), the TCP socket underneath, whichever it is. It knows nothing of
// HTTP and does no TLS of its own.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>

namespace reprise::net {

class Stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using Tls = boost::asio::ssl::stream<tcp::socket>;
  using executor_type = tcp::socket::executor_type;

  explicit Stream(tcp::socket socket) : socket_(std::move(socket)) {}
  // TLS over `socket`, with the settings of `context` (the handshake is still to come).
  Stream(tcp::socket socket, boost::asio::ssl::context& context)
      : socket_(socket.get_executor()), tls_(std::make_unique<Tls>(std::move(socket), context)) {}
  explicit Stream(const executor_type& executor) : socket_(executor) {}
  Stream(Stream&&) = default;
  Stream& operator=(Stream&&) = default;

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }
  const tcp::socket& socket() const { return tls_ ? tls_->next_layer() : socket_; }
  executor_type get_executor() { return socket().get_executor(); }
  bool is_open() const { return socket().is_open(); }
  // Null for plain TCP.
  Tls* tls() { return tls_.get(); }

  template <typename Buffers, typename Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_)
            tls_->async_read_some(b, std::move(handler));
          else
            socket_.async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <typename Buffers, typename Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_)
            tls_->async_write_some(b, std::move(handler));
          else
            socket_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

  // Reads what is there without waiting (the socket is non-blocking: tune()): would_block when
  // nothing is. Under TLS, data OpenSSL already holds comes first, so a caller reads until
  // would_block before it waits for the socket to turn readable.
  template <typename Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    return tls_ ? tls_->read_some(buffers, ec) : socket_.read_some(buffers, ec);
  }

  // Sends TLS's close_notify if it can without waiting; the TCP connection is left as it is.
  void say_goodbye() {
    if (!tls_) return;
    boost::system::error_code ignored;
    tls_->shutdown(ignored);
  }

 private:
  tcp::socket socket_;  // the connection when plain; unused under TLS
  std::unique_ptr<Tls> tls_;
};

// The end of what a peer sends: a FIN, or under TLS a close_notify or a FIN without one (a
// close-delimited body ends either way, as browsers and curl take it).
inline bool is_end_of_stream(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace reprise::net
