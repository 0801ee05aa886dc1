// net/Ring over real loopback sockets, through Stream as the proxy and the replayer use it: what
// a read and a gathered write give when they go through the worker's io_uring, and how they end
// when cancelled, when the stream goes, and when the context is shut down with one pending.
// What must hold: the same completions as Asio's own (eof at the FIN, operation_aborted when
// cancelled); bytes a cancelled read did not take stay for the next read; once a stream is gone
// the kernel writes nothing more into its read's buffer; a context with nothing pending returns
// from run(). Every io_context run is bounded; nothing is checked against a clock.
#include "net/Ring.hpp"

#include <sys/resource.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

#include "Loopback.hpp"
#include "net/BufferList.hpp"
#include "net/Nothrow.hpp"
#include "net/Stream.hpp"

using reprise::net::nothrow;
using reprise::net::Ring;
using reprise::net::Stream;
using reprise::test::connect_pair;
using reprise::test::kRunBound;
namespace asio = boost::asio;

namespace {

// A Stream on one end of a loopback connection, the other end plain, in a context whose ring
// runs on this thread. The test is skipped where the kernel refuses io_uring.
struct RingPair {
  asio::io_context ctx;
  bool started = Ring::start(ctx);
  reprise::test::Connection c = connect_pair(ctx);
  std::optional<Stream> stream{Stream(std::move(c.local))};
  asio::ip::tcp::socket& peer = c.peer;

  ~RingPair() { Ring::leave(); }
  size_t operations() { return Ring::here(ctx)->operations(); }
  void run() {
    ctx.restart();
    ctx.run_for(kRunBound);
  }
};

// Where the kernel or a sandbox refuses io_uring the proxy runs on epoll, and these tests have
// nothing to try: they say so (Catch2 v2 has no skip).
void unavailable() { WARN("io_uring is not available here: the ring's tests did not run"); }

std::string text(const std::array<char, 64>& buf, size_t n) { return std::string(buf.data(), n); }

}  // namespace

TEST_CASE("a read and a gathered write go through the ring and complete as Asio's") {
  RingPair p;
  if (!p.started) return unavailable();
  std::string head = "HTTP/1.1 200 OK\r\n", fields = "Content-Length: 2\r\n\r\n", body = "ok";
  std::vector<asio::const_buffer> gather{asio::buffer(head), asio::buffer(fields), asio::buffer(body)};
  std::array<char, 64> in{};
  boost::system::error_code wrote_ec, read_ec, eof_ec;
  size_t wrote = 0, got = 0;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        std::tie(wrote_ec, wrote) =
            co_await reprise::net::async_write_all(*p.stream, reprise::net::view(gather), nothrow);
        std::tie(read_ec, got) = co_await p.stream->async_read_some(asio::buffer(in), nothrow);
        std::tie(eof_ec, std::ignore) = co_await p.stream->async_read_some(asio::buffer(in), nothrow);
      },
      asio::detached);
  std::array<char, 64> peer_in{};
  size_t peer_got = 0;
  p.ctx.poll();  // the write goes to the kernel, the read waits in the ring
  REQUIRE(reprise::test::readable(p.peer));
  while (peer_got < head.size() + fields.size() + body.size())
    peer_got += p.peer.read_some(asio::buffer(peer_in.data() + peer_got, peer_in.size() - peer_got));
  asio::write(p.peer, asio::buffer(std::string("hello")));
  p.peer.shutdown(asio::ip::tcp::socket::shutdown_send);
  p.run();
  CHECK(!wrote_ec);
  CHECK(wrote == head.size() + fields.size() + body.size());
  CHECK(text(peer_in, peer_got) == head + fields + body);
  CHECK(!read_ec);
  CHECK(text(in, got) == "hello");
  CHECK(eof_ec == asio::error::eof);
  CHECK(p.operations() >= 3);  // the write, the read, the read that met the FIN
}

TEST_CASE("a read that loses a race ends aborted and leaves the bytes for the next read") {
  using namespace asio::experimental::awaitable_operators;
  RingPair p;
  if (!p.started) return unavailable();
  std::array<char, 64> in{};
  boost::system::error_code first_ec, second_ec;
  bool timer_won = false;
  size_t got = 0;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(p.ctx, std::chrono::milliseconds(1));
        auto raced = co_await (p.stream->async_read_some(asio::buffer(in), reprise::net::nothrow_awaitable) ||
                               timer.async_wait(reprise::net::nothrow_awaitable));
        timer_won = raced.index() == 1;
        if (raced.index() == 0) first_ec = std::get<0>(std::get<0>(raced));
        std::tie(second_ec, got) = co_await p.stream->async_read_some(asio::buffer(in), nothrow);
      },
      asio::detached);
  // Nothing is sent until the timer has won: the second read, pending in the ring, is the one
  // the bytes are for.
  while (!timer_won && p.ctx.run_one_for(kRunBound)) {
  }
  REQUIRE(timer_won);
  p.ctx.poll();
  asio::write(p.peer, asio::buffer(std::string("after")));
  p.run();
  CHECK(!second_ec);
  CHECK(text(in, got) == "after");
}

TEST_CASE("Stream::cancel ends a pending ring read with operation_aborted") {
  RingPair p;
  if (!p.started) return unavailable();
  std::array<char, 64> in{};
  std::optional<boost::system::error_code> ec;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto [e, n] = co_await p.stream->async_read_some(asio::buffer(in), nothrow);
        ec = e;
      },
      asio::detached);
  p.ctx.poll();
  REQUIRE(!ec);
  p.stream->cancel();
  p.run();
  REQUIRE(ec);
  CHECK(*ec == asio::error::operation_aborted);
}

TEST_CASE("once a stream is gone its pending read's buffer is never written") {
  RingPair p;
  if (!p.started) return unavailable();
  auto in = std::make_shared<std::array<char, 64>>();
  in->fill('#');
  std::optional<boost::system::error_code> ec;
  p.stream->async_read_some(asio::buffer(*in), [&, in](boost::system::error_code e, size_t) { ec = e; });
  p.ctx.poll();
  p.stream.reset();  // closes the socket: the read is cancelled first
  asio::write(p.peer, asio::buffer(std::string("late bytes")));
  p.run();
  REQUIRE(ec);
  CHECK(*ec == asio::error::operation_aborted);
  CHECK(std::string(in->data(), 10) == "##########");
}

TEST_CASE("a context shut down with a ring read pending destroys its handler without running it") {
  bool ran = false;
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> alive = held;
  {
    RingPair p;
    if (!p.started) return unavailable();
    auto in = std::make_shared<std::array<char, 64>>();
    p.stream->async_read_some(asio::buffer(*in),
                              [&ran, held, in](boost::system::error_code, size_t) { ran = true; });
    held.reset();
    p.ctx.poll();
    // Left pending: the context's shutdown cancels the read in the kernel and then destroys it.
  }
  CHECK(!ran);
  CHECK(alive.expired());
}

TEST_CASE("an empty read and an empty write complete at once with nothing, as Asio's") {
  RingPair p;
  if (!p.started) return unavailable();
  std::optional<std::pair<boost::system::error_code, size_t>> read, wrote;
  p.stream->async_read_some(asio::mutable_buffer(),
                            [&](boost::system::error_code e, size_t n) { read.emplace(e, n); });
  p.stream->async_write_some(asio::const_buffer(),
                             [&](boost::system::error_code e, size_t n) { wrote.emplace(e, n); });
  p.run();  // nothing was sent by the peer: a read that went to the kernel would wait
  REQUIRE(read);
  CHECK(read->first == boost::system::error_code());
  CHECK(read->second == 0);
  REQUIRE(wrote);
  CHECK(wrote->first == boost::system::error_code());
  CHECK(wrote->second == 0);
}

TEST_CASE("where no ring can be made, start() says so and the stream reads and writes through Asio") {
  asio::io_context ctx;
  auto c = connect_pair(ctx);
  // No descriptor can be opened: io_uring_setup fails as it does where a sandbox refuses it.
  rlimit was{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &was) == 0);
  rlimit none = was;
  none.rlim_cur = 0;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &none) == 0);
  bool started = Ring::start(ctx);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &was) == 0);
  CHECK(!started);
  CHECK(Ring::here(ctx) == nullptr);
  Stream stream(std::move(c.local));
  std::array<char, 64> in{};
  boost::system::error_code ec;
  size_t got = 0;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        co_await asio::async_write(stream, asio::buffer(std::string("ping")), nothrow);
        std::tie(ec, got) = co_await stream.async_read_some(asio::buffer(in), nothrow);
      },
      asio::detached);
  ctx.poll();
  std::array<char, 8> peer_in{};
  REQUIRE(reprise::test::readable(c.peer));
  CHECK(c.peer.read_some(asio::buffer(peer_in)) == 4);
  asio::write(c.peer, asio::buffer(std::string("pong")));
  ctx.run_for(kRunBound);
  CHECK(!ec);
  CHECK(text(in, got) == "pong");
}
