// net/Watchdog on real loopback sockets: an expiry cancels the watched socket's pending read and
// says so; disarming, re-arming, moving it to another socket and destroying it behave as the
// header promises. Every io_context run is bounded; the checks are of outcomes and order, never
// of speed, so that they hold on a busy machine.
#include "net/Watchdog.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <optional>

#include "Loopback.hpp"

using reprise::net::Watchdog;
using reprise::test::connect_pair;
using reprise::test::Connection;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// One read on a socket and how it ended; `then` runs when it does.
struct Read {
  std::optional<boost::system::error_code> error;  // empty while the read is pending
  size_t bytes = 0;
  char buffer[16];
  std::function<void()> then;

  void start(tcp::socket& socket) {
    socket.async_read_some(asio::buffer(buffer), [this](const boost::system::error_code& ec, size_t n) {
      error = ec;
      bytes = n;
      if (then) then();
    });
  }
  bool got_a_byte() const { return error && !*error && bytes == 1; }
  bool cancelled() const { return error && *error == asio::error::operation_aborted; }
};

// A connection, a watchdog on its local end and a read there.
struct Watched {
  asio::io_context ctx;
  Connection c = connect_pair(ctx);
  asio::steady_timer timer{ctx};
  Read read;

  // Writes one byte from the peer once `after` has passed: any deadline under test is gone by then.
  void write_after(std::chrono::milliseconds after) {
    timer.expires_after(after);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) asio::write(c.peer, asio::buffer("x", 1));
    });
  }
  void run() {
    ctx.restart();
    ctx.run_for(reprise::test::kRunBound);
  }
};

}  // namespace

TEST_CASE_METHOD(Watched, "watchdog: past its deadline it cancels the pending read and reports expired",
                 "[net][watchdog]") {
  Watchdog dog(c.local);
  CHECK(!dog.expired());
  dog.arm(50ms);
  read.start(c.local);
  run();
  CHECK(read.cancelled());  // the peer never writes: only the watchdog can end the read
  CHECK(dog.expired());
}

TEST_CASE_METHOD(Watched, "watchdog: disarmed before its deadline, it cancels nothing", "[net][watchdog]") {
  Watchdog dog(c.local);
  dog.arm(20ms);
  dog.disarm();
  read.start(c.local);
  write_after(300ms);
  run();
  CHECK(read.got_a_byte());
  CHECK(!dog.expired());
}

TEST_CASE_METHOD(Watched, "watchdog: armed again, the new deadline counts, later or nearer",
                 "[net][watchdog]") {
  Watchdog dog(c.local);
  SECTION("a later deadline replaces a near one") {
    dog.arm(20ms);
    dog.arm(60s);
    read.then = [&] { dog.stop(); };  // else its timer keeps the io_context busy for 60 s
    read.start(c.local);
    write_after(300ms);
    run();
    CHECK(read.got_a_byte());
    CHECK(!dog.expired());
  }
  SECTION("a nearer deadline replaces a far one") {
    dog.arm(60s);
    dog.arm(50ms);
    read.start(c.local);
    run();  // the read ends within the bound only if the nearer deadline counts
    CHECK(read.cancelled());
    CHECK(dog.expired());
  }
}

TEST_CASE_METHOD(Watched,
                 "watchdog: armed again after it expired, it is no longer expired and the socket reads",
                 "[net][watchdog]") {
  Watchdog dog(c.local);
  dog.arm(30ms);
  read.start(c.local);
  run();
  REQUIRE(read.cancelled());
  REQUIRE(dog.expired());

  dog.arm(60s);
  CHECK(!dog.expired());
  Read second;
  second.then = [&] { dog.stop(); };
  second.start(c.local);
  asio::write(c.peer, asio::buffer("x", 1));
  run();
  CHECK(second.got_a_byte());
  CHECK(!dog.expired());
}

TEST_CASE_METHOD(Watched, "watchdog: stop() lets an io_context with nothing else to do return",
                 "[net][watchdog]") {
  Watchdog dog(c.local);
  dog.arm(60s);
  dog.stop();
  run();
  CHECK(ctx.stopped());  // out of work, not out of time
  CHECK(!dog.expired());
}

TEST_CASE_METHOD(Watched, "watchdog: pointed at another socket, it cancels that one's read only",
                 "[net][watchdog]") {
  Connection other = connect_pair(ctx);
  Watchdog dog(ctx.get_executor());
  dog.watch(c.local);
  dog.watch(other.local);
  Read on_other;
  on_other.then = [&] { asio::write(c.peer, asio::buffer("x", 1)); };  // only now may the first end
  dog.arm(50ms);
  read.start(c.local);
  on_other.start(other.local);
  run();
  CHECK(on_other.cancelled());
  CHECK(read.got_a_byte());
  CHECK(dog.expired());
}

TEST_CASE_METHOD(Watched, "watchdog: unwatched or destroyed before its deadline, it cancels nothing",
                 "[net][watchdog]") {
  std::optional<Watchdog> dog;
  dog.emplace(c.local);
  dog->arm(20ms);
  SECTION("unwatched") { dog->unwatch(); }
  SECTION("destroyed") { dog.reset(); }
  read.start(c.local);
  write_after(300ms);
  run();
  CHECK(read.got_a_byte());
  if (dog) CHECK(!dog->expired());
}
