#include "metrics/MetricsServer.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/MessageParser.hpp"
#include "net/Workers.hpp"

namespace reprise::metrics {
namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

awaitable<void> answer(tcp::socket socket, const std::function<std::string()>& body) {
  http::MessageParser parser(http::MessageParser::Type::request);
  std::string in;
  size_t scanned = 0;
  for (;;) {
    auto scan = parser.find_head_end(in, scanned, 16384);
    if (scan.error) co_return;
    if (scan.length) {
      if (parser.parse_head(std::string_view(in).substr(0, scan.length))) co_return;
      break;
    }
    char chunk[2048];
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), nothrow);
    if (ec) co_return;
    in.append(chunk, n);
  }
  const auto& head = parser.head();
  bool metrics = head.method == "GET" && (head.target == "/metrics" || head.target.starts_with("/metrics?"));
  std::string text = metrics ? body() : "not found\n";
  std::string out =
      fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                  metrics ? "200 OK" : "404 Not Found",
                  metrics ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", text.size(), text);
  co_await asio::async_write(socket, asio::buffer(out), nothrow);
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, const std::function<std::string()>& body) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), answer(std::move(socket), body), asio::detached);
  }
}

}  // namespace

MetricsServer::MetricsServer(const tcp::endpoint& listen, std::function<std::string()> body)
    : acceptor_(net::make_listener(ctx_, listen)), body_(std::move(body)) {
  asio::co_spawn(ctx_, accept_loop(acceptor_, body_), asio::detached);
  thread_ = std::thread([this] { ctx_.run(); });
}

MetricsServer::~MetricsServer() {
  ctx_.stop();
  thread_.join();
}

tcp::endpoint MetricsServer::endpoint() const { return acceptor_.local_endpoint(); }

}  // namespace reprise::metrics
