// net/Stream's TLS over real loopback sockets: a server and a client Stream in one io_context,
// a certificate made in memory. What must hold: gathered buffers larger than a record arrive
// whole and in order; the peer's close_notify reads as eof and a FIN without it as a truncated
// stream; nothing reaches OpenSSL once the socket is closed (its descriptor's number may be
// another connection's by then); bytes OpenSSL took from the socket come out of a read; a read
// never has to write first (OpenSSL answers a peer's KeyUpdate with the next write).
// Every io_context run is bounded; nothing is checked against a clock.
#include "net/Stream.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "Loopback.hpp"
#include "net/Nothrow.hpp"

using reprise::net::nothrow;
using reprise::net::Stream;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

// A self-signed P-256 certificate for localhost, made with OpenSSL's API, set on `ctx`.
void self_signed(ssl::context& ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);
}

// A client and a server Stream on one loopback connection, their handshakes done.
struct TlsPair {
  asio::io_context ctx;
  ssl::context server_ctx{ssl::context::tls_server};
  ssl::context client_ctx{ssl::context::tls_client};
  std::optional<Stream> server, client;

  TlsPair() {
    std::signal(SIGPIPE, SIG_IGN);  // as main() does: OpenSSL writes with write(2)
    self_signed(server_ctx);
    SSL_CTX_set_read_ahead(server_ctx.native_handle(), 1);
    auto [local, peer] = reprise::test::connect_pair(ctx);
    client.emplace(std::move(local), client_ctx.native_handle());
    server.emplace(std::move(peer), server_ctx.native_handle());
    boost::system::error_code server_ec, client_ec;
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
      std::tie(server_ec) = co_await server->async_handshake(Stream::Side::server, nothrow);
    }, asio::detached);
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
      std::tie(client_ec) = co_await client->async_handshake(Stream::Side::client, nothrow);
    }, asio::detached);
    run();
    REQUIRE_FALSE(server_ec);
    REQUIRE_FALSE(client_ec);
  }

  void run() {
    ctx.restart();
    ctx.run_for(reprise::test::kRunBound);
  }

  // Reads on the server until `n` bytes came or the read failed: (bytes, the last error).
  std::pair<std::string, boost::system::error_code> server_reads(size_t n) {
    std::string got;
    boost::system::error_code last;
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
      char chunk[1000];
      while (got.size() < n) {
        auto [ec, k] = co_await server->async_read_some(asio::buffer(chunk), nothrow);
        got.append(chunk, k);
        if ((last = ec)) break;
      }
    }, asio::detached);
    run();
    return {got, last};
  }
};

// A write BIO that says "try again" to the first write and hands the rest to the socket: the
// socket full when OpenSSL first writes, with nothing of ours half sent; and a record of whether
// OpenSSL wrote at all.
struct RefuseOneWrite {
  int fd;
  bool refused = false;

  static int write(BIO* bio, const char* data, int len) {
    auto* self = static_cast<RefuseOneWrite*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (!self->refused) {
      self->refused = true;
      BIO_set_retry_write(bio);
      return -1;
    }
    return static_cast<int>(::send(self->fd, data, static_cast<size_t>(len), MSG_NOSIGNAL));
  }
  static long ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

  // Put in as `ssl`'s write BIO, which owns it; the method is kept for the process.
  void install(SSL* ssl) {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "refuse one write");
      BIO_meth_set_write(m, &RefuseOneWrite::write);
      BIO_meth_set_ctrl(m, &RefuseOneWrite::ctrl);
      return m;
    }();
    BIO* bio = BIO_new(method);
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    SSL_set0_wbio(ssl, bio);
  }
};

}  // namespace

TEST_CASE("TLS Stream: gathered buffers larger than a record arrive whole and in order") {
  TlsPair p;
  std::string head(100, 'h'), body, tail = "0123456789";
  for (int i = 0; body.size() < 40000; ++i) body += std::to_string(i) + ",";
  std::vector<asio::const_buffer> pieces{asio::buffer(head), asio::buffer(body), asio::buffer(tail)};
  size_t written = 0;
  asio::co_spawn(p.ctx, [&]() -> asio::awaitable<void> {
    auto [ec, n] = co_await asio::async_write(*p.client, pieces, nothrow);
    written = ec ? 0 : n;
  }, asio::detached);
  auto [got, ec] = p.server_reads(head.size() + body.size() + tail.size());
  CHECK(written == head.size() + body.size() + tail.size());
  CHECK(got == head + body + tail);
}

TEST_CASE("TLS Stream: close_notify reads as eof, a FIN without it as a truncated stream") {
  SECTION("close_notify, then the FIN") {
    TlsPair p;
    p.client->close();
    auto [got, ec] = p.server_reads(1);
    CHECK(got.empty());
    CHECK(ec == asio::error::eof);
    CHECK(reprise::net::is_end_of_stream(ec));
  }
  SECTION("a FIN alone") {
    TlsPair p;
    boost::system::error_code ignored;
    p.client->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    auto [got, ec] = p.server_reads(1);
    CHECK(got.empty());
    CHECK(ec == ssl::error::stream_truncated);
    CHECK(reprise::net::is_end_of_stream(ec));
  }
}

TEST_CASE("TLS Stream: nothing reaches OpenSSL once the socket is closed") {
  TlsPair p;
  boost::system::error_code ignored, ec;
  int number = p.server->socket().native_handle();
  int pipe_ends[2];
  REQUIRE(::pipe2(pipe_ends, O_NONBLOCK) == 0);  // no read may block the test, guard or none
  p.server->socket().close(ignored);
  // A pipe with a byte in it takes the number, as another connection would in the proxy:
  // OpenSSL, which knows only the number, would read that byte.
  REQUIRE(::dup2(pipe_ends[0], number) == number);
  ::close(pipe_ends[0]);
  REQUIRE(::write(pipe_ends[1], "x", 1) == 1);
  char byte;
  CHECK(p.server->read_some(asio::buffer(&byte, 1), ec) == 0);
  CHECK(ec == asio::error::bad_descriptor);
  auto [got, aec] = p.server_reads(1);
  CHECK(aec == asio::error::bad_descriptor);
  p.server->say_goodbye();  // no close_notify written to whatever has the number now
  p.server->close();
  char left = 0;
  CHECK(::read(number, &left, 1) == 1);  // the byte is still there: nobody read it
  CHECK(left == 'x');
  ::close(number);
  ::close(pipe_ends[1]);
}

TEST_CASE("TLS Stream: bytes OpenSSL took from the socket but did not hand out come out of a read") {
  TlsPair p;
  std::string sent(3000, 'x');
  asio::co_spawn(p.ctx, [&]() -> asio::awaitable<void> {
    co_await asio::async_write(*p.client, asio::buffer(sent), nothrow);
  }, asio::detached);
  p.run();
  REQUIRE(reprise::test::readable(p.server->socket()));
  char small[100];
  boost::system::error_code ec;
  size_t n = 0;
  for (int tries = 0; tries < 100 && !n; ++tries) n = p.server->read_some(asio::buffer(small), ec);
  REQUIRE(n == sizeof small);
  // The rest of the record is OpenSSL's now, not the socket's: no wait for readability would
  // find it, a read does.
  pollfd socket_has{p.server->socket().native_handle(), POLLIN, 0};
  CHECK(::poll(&socket_has, 1, 0) == 0);
  std::string rest(small, n);
  char big[4096];
  while ((n = p.server->read_some(asio::buffer(big), ec)) > 0) rest.append(big, n);
  CHECK(ec == asio::error::would_block);
  CHECK(rest == sent);
}

TEST_CASE("TLS Stream: a peer's KeyUpdate asking for ours is answered by our next write, not in a read") {
  // Why read_some may take OpenSSL's WANT_WRITE for would_block and its callers wait for the
  // socket readable: with renegotiation off, only the answer to a KeyUpdate could make a read
  // write, and OpenSSL leaves that to the next write. Were a read to write (and the socket be
  // full), a readable wait could sleep on bytes OpenSSL already took; this test would then fail.
  TlsPair p;
  RefuseOneWrite full{p.server->socket().native_handle()};
  full.install(p.server->tls());
  REQUIRE(SSL_key_update(p.client->tls(), SSL_KEY_UPDATE_REQUESTED) == 1);
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        co_await asio::async_write(*p.client, asio::buffer(std::string("hello")), nothrow);
      },
      asio::detached);
  p.run();
  REQUIRE(reprise::test::readable(p.server->socket()));
  char chunk[100];
  boost::system::error_code ec;
  CHECK(p.server->read_some(asio::buffer(chunk), ec) == 5);
  CHECK_FALSE(ec);
  CHECK(std::string(chunk, 5) == "hello");
  CHECK_FALSE(full.refused);  // the read wrote nothing
  // The next write carries the answer: its first try finds the socket "full", it waits for
  // writable and goes on; the client, on its new keys, reads what follows.
  boost::system::error_code server_ec;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        std::tie(server_ec, std::ignore) =
            co_await asio::async_write(*p.server, asio::buffer(std::string("back")), nothrow);
      },
      asio::detached);
  p.run();
  CHECK_FALSE(server_ec);
  CHECK(full.refused);
  std::string back(4, '\0');
  boost::system::error_code client_ec;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        std::tie(client_ec, std::ignore) = co_await asio::async_read(*p.client, asio::buffer(back), nothrow);
      },
      asio::detached);
  p.run();
  CHECK_FALSE(client_ec);
  CHECK(back == "back");
}
