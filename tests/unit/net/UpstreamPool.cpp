// net/UpstreamPool against real listeners on 127.0.0.1 (ports the kernel chose): a released
// connection is handed out again, newest first; one the upstream closed, or one with bytes
// nobody asked for, is never handed out; no more idle connections are kept than asked; a refused
// connect and a connect that outlives its timeout are reported as such. Every io_context run is
// bounded; nothing is checked against a clock.
#include "net/UpstreamPool.hpp"

#include <netinet/tcp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "Loopback.hpp"

using reprise::net::UpstreamConnection;
using reprise::net::UpstreamPool;
using reprise::test::loopback;
using reprise::test::readable;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A listening upstream, and the pool's coroutines run to their end against it.
struct Upstream {
  asio::io_context ctx;
  tcp::acceptor upstream{ctx, loopback()};

  UpstreamPool make_pool(size_t max_idle) {
    return {ctx.get_executor(), upstream.local_endpoint(), max_idle, 5s};
  }

  UpstreamPool::Result run(asio::awaitable<UpstreamPool::Result> op) {
    std::optional<UpstreamPool::Result> out;
    std::exception_ptr failure;
    asio::co_spawn(ctx, std::move(op), [&](std::exception_ptr e, UpstreamPool::Result r) {
      failure = e;
      out = std::move(r);
    });
    ctx.restart();
    ctx.run_for(reprise::test::kRunBound);
    if (failure) std::rethrow_exception(failure);
    REQUIRE(out);
    return std::move(*out);
  }
  // A new connection from the pool, and its upstream end.
  std::pair<UpstreamConnection, tcp::socket> connected(UpstreamPool& pool) {
    auto r = run(pool.connect());
    REQUIRE(r.connection);
    return {std::move(*r.connection), upstream.accept()};
  }
};

uint16_t local_port(const UpstreamConnection& c) { return c.stream.socket().local_endpoint().port(); }

}  // namespace

TEST_CASE_METHOD(Upstream, "upstream pool: a new connection, then the released one again", "[net][pool]") {
  UpstreamPool pool = make_pool(4);

  auto first = run(pool.connect());
  REQUIRE(first.connection);
  CHECK(!first.error);
  CHECK(!first.connection->reused);
  CHECK(first.connection->stream.socket().remote_endpoint() == upstream.local_endpoint());
  tcp::no_delay no_delay;
  first.connection->stream.socket().get_option(no_delay);
  CHECK(no_delay.value());  // tuned like every proxied connection
  tcp::socket accepted = upstream.accept();
  const uint16_t port = local_port(*first.connection);

  pool.release(std::move(first.connection->stream));
  auto again = pool.take_idle();
  REQUIRE(again.connection);
  CHECK(again.connection->reused);
  CHECK(local_port(*again.connection) == port);

  // The same connection, not a new one: what goes in comes out at the upstream's accepted end.
  asio::write(again.connection->stream.socket(), asio::buffer("ping", 4));
  char got[4];
  asio::read(accepted, asio::buffer(got));
  CHECK(std::string(got, 4) == "ping");
}

TEST_CASE_METHOD(Upstream, "upstream pool: idle connections come back newest first, up to the limit",
                 "[net][pool]") {
  UpstreamPool pool = make_pool(2);
  std::vector<UpstreamConnection> open;
  std::vector<tcp::socket> accepted;
  for (int i = 0; i < 3; ++i) {
    auto [connection, upstream_end] = connected(pool);
    open.push_back(std::move(connection));
    accepted.push_back(std::move(upstream_end));
  }
  const uint16_t a = local_port(open[0]), b = local_port(open[1]);
  pool.release(std::move(open[0].stream));
  pool.release(std::move(open[1].stream));
  pool.release(std::move(open[2].stream));  // past the limit of 2: closed, not kept

  auto newest = pool.take_idle();
  REQUIRE(newest.connection);
  CHECK(local_port(*newest.connection) == b);
  auto older = pool.take_idle();
  REQUIRE(older.connection);
  CHECK(local_port(*older.connection) == a);
  CHECK(!pool.take_idle().connection);

  // The third was closed by the pool: its upstream end reads the end of the stream.
  REQUIRE(readable(accepted[2]));
  char byte;
  boost::system::error_code ec;
  asio::read(accepted[2], asio::buffer(&byte, 1), ec);
  CHECK(ec == asio::error::eof);
}

TEST_CASE_METHOD(Upstream, "upstream pool: a pool of no idle connections keeps none", "[net][pool]") {
  UpstreamPool pool = make_pool(0);
  pool.release(std::move(connected(pool).first.stream));
  CHECK(!pool.take_idle().connection);
}

TEST_CASE_METHOD(Upstream, "upstream pool: clear() drops every idle connection", "[net][pool]") {
  UpstreamPool pool = make_pool(4);
  pool.release(std::move(connected(pool).first.stream));
  pool.clear();
  CHECK(!pool.take_idle().connection);
}

TEST_CASE_METHOD(Upstream,
                 "upstream pool: never hands out a connection the upstream closed or wrote unasked on",
                 "[net][pool]") {
  UpstreamPool pool = make_pool(4);
  auto [alive, alive_upstream] = connected(pool);
  auto [doomed, doomed_upstream] = connected(pool);
  const uint16_t alive_port = local_port(alive);

  SECTION("closed by the upstream") { doomed_upstream.close(); }
  SECTION("bytes nobody asked for (a desynchronised upstream)") {
    asio::write(doomed_upstream, asio::buffer("HTTP/1.1 200 OK\r\n", 17));
  }
  REQUIRE(readable(doomed.stream.socket()));  // the FIN or the bytes have arrived
  pool.release(std::move(alive.stream));
  pool.release(std::move(doomed.stream));  // the newest: the one tried first

  auto next = pool.take_idle();
  REQUIRE(next.connection);
  CHECK(next.connection->reused);
  CHECK(local_port(*next.connection) == alive_port);
  CHECK(!pool.take_idle().connection);  // the dead one was thrown away, not put back

  auto fresh = run(pool.connect());  // nothing idle: a new connection
  REQUIRE(fresh.connection);
  CHECK(!fresh.connection->reused);
  CHECK(!fresh.error);
}

TEST_CASE_METHOD(Upstream, "upstream pool: a refused connect is reported, not as a timeout", "[net][pool]") {
  tcp::endpoint closed;
  {
    tcp::acceptor gone(ctx, loopback());  // a port the kernel gave, then nobody listens on it
    closed = gone.local_endpoint();
  }
  UpstreamPool pool(ctx.get_executor(), closed, 4, 5s);
  auto r = run(pool.connect());
  CHECK(!r.connection);
  CHECK(r.error == asio::error::connection_refused);
  CHECK(!r.timed_out);
}

TEST_CASE_METHOD(Upstream, "upstream pool: a connect that outlives its timeout is reported as timed out",
                 "[net][pool]") {
  std::ifstream abort_on_overflow("/proc/sys/net/ipv4/tcp_abort_on_overflow");
  int aborts = 0;
  if (abort_on_overflow >> aborts && aborts != 0) {
    WARN("tcp_abort_on_overflow is on: a full listen queue refuses instead of staying silent; skipped");
    return;
  }
  // A listener whose accept queue is full drops new SYNs: the connect waits for an answer that
  // only the client's SYN retransmission (1 s on) could bring, and the pool's timer ends it first.
  tcp::acceptor full(ctx);
  full.open(tcp::v4());
  full.bind(loopback());
  full.listen(0);  // Linux keeps one connection in a queue of backlog 0
  std::vector<tcp::socket> filling;
  auto queued = [&] {
    tcp_info info{};
    socklen_t size = sizeof info;
    ::getsockopt(full.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size);
    return info.tcpi_unacked;  // a listener's accept queue length
  };
  for (int tries = 0; queued() < 1 && tries < 1000; ++tries) {
    if (filling.empty()) filling.emplace_back(ctx).connect(full.local_endpoint());
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(queued() >= 1);

  UpstreamPool pool(ctx.get_executor(), full.local_endpoint(), 4, 200ms);
  auto r = run(pool.connect());
  CHECK(!r.connection);
  CHECK(r.error);
  CHECK(r.timed_out);
}
