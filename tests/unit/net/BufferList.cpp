// net/BufferList: a view advances over written bytes buffer by buffer (empty ones skipped, a
// partial write leaving the rest of its buffer), and async_write_all sends every byte of a list
// larger than the socket takes at once, in order, over a real loopback connection.
#include "net/BufferList.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "Loopback.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using reprise::net::BufferView;

namespace {

std::string text_of(const BufferView& v) {
  std::string out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    asio::const_buffer b = *it;
    out.append(static_cast<const char*>(b.data()), b.size());
  }
  return out;
}

}  // namespace

TEST_CASE("buffer view: advance skips what was written, empty buffers included", "[net][buffers]") {
  std::vector<asio::const_buffer> list{asio::buffer("head", 4), asio::const_buffer(), asio::buffer("body", 4),
                                       asio::buffer("!", 1)};
  BufferView v = reprise::net::view(list);
  CHECK(text_of(v) == "headbody!");
  v.advance(2);
  CHECK(text_of(v) == "adbody!");
  v.advance(2);  // the end of the first: the empty one is skipped too
  CHECK(v.first == &list[2]);
  CHECK(text_of(v) == "body!");
  v.advance(0);
  CHECK(text_of(v) == "body!");
  v.advance(5);
  CHECK(v.done());
  CHECK(text_of(v).empty());
}

TEST_CASE("async_write_all: every byte of a list bigger than the socket's buffer, in order",
          "[net][buffers]") {
  asio::io_context ctx;
  tcp::acceptor acceptor(ctx, reprise::test::loopback());
  tcp::socket writer(ctx), reader(ctx);
  writer.connect(acceptor.local_endpoint());
  reader = acceptor.accept();
  writer.set_option(asio::socket_base::send_buffer_size(4096));

  std::string a(3'000'000, 'a'), b = "middle", c(1'000'000, 'c');
  std::vector<asio::const_buffer> list{asio::buffer(a), asio::const_buffer(), asio::buffer(b),
                                       asio::buffer(c)};
  std::string expected = a + b + c;
  boost::system::error_code got_ec = asio::error::would_block;
  size_t written = 0;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await reprise::net::async_write_all(writer, reprise::net::view(list),
                                                              asio::as_tuple(asio::use_awaitable));
        got_ec = ec, written = n;
        writer.shutdown(tcp::socket::shutdown_send);
      },
      asio::detached);
  std::string received;
  std::thread drain([&] {
    boost::system::error_code ec;
    asio::read(reader, asio::dynamic_buffer(received), ec);
  });
  ctx.run_for(reprise::test::kRunBound);
  boost::system::error_code ignored;
  writer.close(ignored);  // the reader ends even when the write did not
  drain.join();
  CHECK(!got_ec);
  CHECK(written == expected.size());
  CHECK(received == expected);
}
