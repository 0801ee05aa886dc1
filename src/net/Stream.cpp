// The non-template half of Stream's TLS: starting a connection, reading OpenSSL's answer to a
// call, saying goodbye.
#include "net/Stream.hpp"

#include <openssl/err.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>

namespace reprise::net {

Stream::Stream(tcp::socket socket, SSL_CTX* context) : socket_(std::move(socket)), ssl_(SSL_new(context)) {
  if (!ssl_) throw std::bad_alloc();
  // A write retried after WANT_WRITE may come from another address (write_records joins the
  // buffers anew on the stack); the bytes are the same.
  SSL_set_mode(ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

void Stream::start_tls(Side side) {
  socket_.non_blocking(true);
  SSL_set_fd(ssl_.get(), static_cast<int>(socket_.native_handle()));
  if (side == Side::server)
    SSL_set_accept_state(ssl_.get());
  else
    SSL_set_connect_state(ssl_.get());
}

void Stream::clear_errors() { ERR_clear_error(); }

Stream::Step Stream::settle(int ret) {
  if (ret > 0) return {};
  int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return {Want::read, {}};
    case SSL_ERROR_WANT_WRITE:
      return {Want::write, {}};
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      return {Want::nothing, boost::asio::error::eof};
    case SSL_ERROR_SYSCALL:
      broken_ = true;
      ERR_clear_error();
      // errno 0: the peer closed the TCP connection without a close_notify
      if (saved_errno == 0) return {Want::nothing, boost::asio::ssl::error::stream_truncated};
      return {Want::nothing, boost::system::error_code(saved_errno, boost::system::system_category())};
    default: {
      broken_ = true;
      unsigned long e = ERR_get_error();  // the first: the cause
      ERR_clear_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return {Want::nothing, boost::asio::ssl::error::stream_truncated};
      return {Want::nothing, boost::system::error_code(static_cast<int>(e), boost::asio::error::get_ssl_category())};
    }
  }
}

void Stream::say_goodbye() {
  // Not on a closed socket: OpenSSL would write to whatever now has its descriptor's number.
  if (!ssl_ || broken_ || !socket_.is_open() || !SSL_is_init_finished(ssl_.get())) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // one try: a full socket or a gone peer is no reason to wait
  ERR_clear_error();
}

void Stream::close() {
  say_goodbye();
  cancel_ring();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool is_end_of_stream(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace reprise::net
