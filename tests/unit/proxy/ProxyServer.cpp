// proxy/ProxyServer's end with sessions still open, on real loopback sockets: destroyed while its
// workers run, or after a drain its deadline cut, it closes every connection and frees each
// session before the worker the session points at. A wrong order is a use after free that only
// the sanitizer build (`make sanitize`) reports; here the clients check that the connections end.
#include "proxy/ProxyServer.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

#include "net/Loopback.hpp"

using reprise::proxy::ProxyConfig;
using reprise::proxy::ProxyServer;
using reprise::test::loopback;
using reprise::test::readable;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr int kClients = 4;

// An upstream that takes connections and requests and never answers, and clients whose requests
// it holds: every session of the proxy is mid-exchange, waiting for an answer.
struct HeldExchanges {
  asio::io_context ctx;  // blocking calls only, never run
  tcp::acceptor upstream{ctx, loopback()};
  std::vector<tcp::socket> clients;
  std::vector<tcp::socket> held;

  ProxyConfig config() const {
    ProxyConfig c;
    c.listen = loopback();
    c.upstream = upstream.local_endpoint();
    c.threads = 2;
    return c;
  }

  void hold(const ProxyServer& server) {
    constexpr std::string_view request = "GET /held HTTP/1.1\r\nHost: upstream.test\r\n\r\n";
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back(ctx).connect(server.endpoint());
      asio::write(clients.back(), asio::buffer(request));
      held.push_back(upstream.accept());  // no idle connection to reuse: one each
      REQUIRE(readable(held.back()));     // the request reached the upstream
    }
  }

  // Every client connection ended without an answer.
  void check_all_closed() {
    for (auto& c : clients) {
      REQUIRE(readable(c));
      char byte;
      boost::system::error_code ec;
      CHECK(c.read_some(asio::buffer(&byte, 1), ec) == 0);
      CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
    }
  }
};

}  // namespace

TEST_CASE("a proxy destroyed while its sessions wait for the upstream closes them all") {
  HeldExchanges x;
  {
    ProxyServer server(x.config());
    server.start();
    x.hold(server);
  }
  x.check_all_closed();
}

TEST_CASE("a drain cut at its deadline leaves no session behind when the proxy goes") {
  HeldExchanges x;
  {
    auto config = x.config();
    config.drain_timeout = 50ms;
    ProxyServer server(config);
    server.start();
    x.hold(server);
    server.drain();
    server.wait();  // returns once the deadline cut the exchanges the upstream holds
  }
  x.check_all_closed();
}
