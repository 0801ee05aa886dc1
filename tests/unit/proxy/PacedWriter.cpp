#include "proxy/PacedWriter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "net/Nothrow.hpp"

using reprise::proxy::PacedWriter;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A connected pair of loopback sockets.
struct Pair {
  asio::io_context ctx;
  reprise::net::Stream writer{ctx.get_executor()};
  tcp::socket reader{ctx};
  Pair() {
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer.socket().connect(acceptor.local_endpoint());
    reader = acceptor.accept();
  }
};

struct Written {
  PacedWriter::Result result;
  std::string received;
  std::chrono::steady_clock::duration took;
};

// `w` must be declared after `p`: its timer, made on the first paced write, belongs to p.ctx.
Written write_through(Pair& p, PacedWriter& w, const std::vector<std::string>& parts) {
  std::vector<asio::const_buffer> buffers;
  size_t total = 0;
  for (const auto& s : parts) {
    buffers.push_back(asio::buffer(s));
    total += s.size();
  }
  Written out;
  out.received.resize(total);
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        out.result = co_await w.write(p.writer, buffers, reprise::net::nothrow);
      },
      asio::detached);
  asio::async_read(p.reader, asio::buffer(out.received), [](auto, auto) {});
  p.ctx.run();
  out.took = std::chrono::steady_clock::now() - start;
  return out;
}

}  // namespace

TEST_CASE("an unpaced writer writes the whole gather list, in order") {
  Pair p;
  PacedWriter w;
  CHECK_FALSE(w.paced());
  auto out = write_through(p, w, {"head\r\n\r\n", std::string(100000, 'x'), "tail"});
  CHECK_FALSE(std::get<0>(out.result));
  CHECK(std::get<1>(out.result) == 100012);
  CHECK(out.received == "head\r\n\r\n" + std::string(100000, 'x') + "tail");
}

TEST_CASE("a paced writer writes every byte, in order, pausing after each piece") {
  Pair p;
  PacedWriter w;
  w.pace({10, 2ms});
  REQUIRE(w.paced());
  auto out = write_through(p, w, {"0123456789abcdefghij", "KLMNOPQRSTUVWXYZ"});  // 20 + 16: 4 pieces
  CHECK_FALSE(std::get<0>(out.result));
  CHECK(std::get<1>(out.result) == 36);
  CHECK(out.received == "0123456789abcdefghijKLMNOPQRSTUVWXYZ");
  CHECK(out.took >= 8ms);  // four pauses at least: a busy machine only adds to it
}

TEST_CASE("a paced writer stops at the first failed write and says how much went") {
  Pair p;
  PacedWriter w;
  w.pace({4, 1ms});
  p.reader.close();
  std::string big(1 << 20, 'y');  // far more than the socket buffers hold once the peer is gone
  PacedWriter::Result result;
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        result = co_await w.write(p.writer, asio::buffer(big), reprise::net::nothrow);
      },
      asio::detached);
  p.ctx.run_for(20s);
  CHECK(std::get<0>(result));
  CHECK(std::get<1>(result) < big.size());
}

TEST_CASE("a paced write stops when the coroutine awaiting it is cancelled") {
  using namespace asio::experimental::awaitable_operators;
  Pair p;
  PacedWriter w;
  w.pace({1, 200ms});  // 20 bytes: 19 pauses, 3.8 s at the least
  std::string text(20, 'z');
  asio::steady_timer timer(p.ctx);
  timer.expires_after(50ms);
  auto paced = [&]() -> asio::awaitable<PacedWriter::Result> {
    co_return co_await w.write(p.writer, asio::buffer(text), reprise::net::nothrow);
  };
  std::optional<size_t> first;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      p.ctx,
      [&]() -> asio::awaitable<void> {
        auto r = co_await (paced() || timer.async_wait(reprise::net::nothrow_awaitable));
        first = r.index();
      },
      asio::detached);
  p.ctx.run_for(20s);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(first);
  CHECK(*first == 1);        // the timer
  CHECK(took < 19 * 200ms);  // the write did not go on to its end
}
