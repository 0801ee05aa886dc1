#include "demo/DemoServer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/HeaderRules.hpp"
#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/Nothrow.hpp"
#include "net/Workers.hpp"

namespace reprise::demo {

namespace asio = boost::asio;
using asio::ip::tcp;
using net::nothrow;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr size_t kMaxBody = 1 << 20;
// Small enough that at the default rate delivery adds only milliseconds to an event.
constexpr auto kDeliveryTick = std::chrono::milliseconds(10);

void write_response(std::string& out, const ChatResponse& r, bool close) {
  out.clear();
  out.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ").append(http::status_reason(r.status));
  out.append("\r\nContent-Type: ").append(r.content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(r.body.size()));
  if (r.status == 401) out.append("\r\nWWW-Authenticate: Bearer");
  out.append(close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n").append(r.body);
}

void append_chunk(std::string& out, std::string_view data) {
  char size[20];
  out.append(size, http::write_chunk_size(size, data.size())).append(data).append("\r\n");
}

// Reads and drops whatever the client of a stream sends, until it closes its side or the
// connection fails.
asio::awaitable<void> until_closed(tcp::socket& socket) {
  char ignored[512];
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(ignored), nothrow);
    if (ec) co_return;
  }
}

}  // namespace

DemoServer::DemoServer(asio::io_context& ctx, const tcp::endpoint& listen,
                       std::chrono::microseconds heartbeat, ChatOptions options, double delivery_rate)
    : ctx_(ctx),
      acceptor_(net::make_listener(ctx, listen)),
      heartbeat_(heartbeat),
      service_(std::move(options)),
      // A tenth of a second's worth saved: a tick that fires late on a busy machine costs no rate.
      delivery_bucket_(delivery_rate, delivery_rate / 10),
      delivery_timer_(ctx) {}

void DemoServer::start() {
  asio::co_spawn(ctx_, accept_loop(), asio::detached);
  asio::co_spawn(ctx_, deliver_events(), asio::detached);
}

void DemoServer::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  delivery_timer_.cancel();
  for (auto* c : connections_) {
    c->socket->shutdown(tcp::socket::shutdown_both, ignored);
    c->socket->close(ignored);
    if (c->wake) c->wake->cancel();
  }
}

asio::awaitable<void> DemoServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(ctx_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> DemoServer::serve(tcp::socket socket) {
  Connection self{&socket, nullptr};
  connections_.insert(&self);
  struct Forget {
    std::unordered_set<Connection*>& set;
    Connection* c;
    ~Forget() { set.erase(c); }
  } forget{connections_, &self};
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  net::ByteBuffer in;
  http::MessageParser parser(http::MessageParser::Type::request);
  std::string body, out;
  for (;;) {
    size_t scanned = 0;
    http::MessageParser::HeadScan scan;
    while ((scan = parser.find_head_end(in.readable(), scanned, 64 * 1024)).length == 0 && !scan.error) {
      auto [rec, n] = co_await socket.async_read_some(in.prepare(8192), nothrow);
      if (rec) co_return;
      in.commit(n);
    }
    const char* err = scan.error ? scan.error : parser.parse_head(in.readable().substr(0, scan.length));
    if (err) {
      write_response(out, {400, nlohmann::json{{"detail", err}}.dump()}, true);
      co_await asio::async_write(socket, asio::buffer(out), nothrow);
      co_return;
    }
    const auto& head = parser.head();
    std::string method(head.method), target(head.target), auth(head.header("authorization"));
    bool keep_alive = head.keep_alive;
    in.consume(scan.length);
    body.clear();
    for (;;) {
      auto step = parser.parse_body(in.readable());
      if (step.error || body.size() > kMaxBody) co_return;
      for (auto piece : parser.pieces()) body.append(piece);
      parser.clear_pieces();
      in.consume(step.consumed);
      if (step.complete) break;
      auto [rec, n] = co_await socket.async_read_some(in.prepare(8192), nothrow);
      if (rec) co_return;
      in.commit(n);
    }
    if (ChatService::is_lobby_stream(method, target)) {
      co_await stream(self, ChatService::lobby);
      co_return;
    }
    if (ChatService::is_stream(method, target)) {
      if (int user = service_.authenticate(auth)) {
        co_await stream(self, user);
        co_return;
      }  // else the service's 401
    }
    write_response(out, service_.handle(method, target, auth, body), !keep_alive);
    wake_delivery();
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(out), nothrow);
    if (wec || !keep_alive) co_return;
  }
}

asio::awaitable<void> DemoServer::stream(Connection& self, int subscriber) {
  std::deque<std::string> queue;
  asio::steady_timer wake(ctx_);
  self.wake = &wake;
  int subscription = service_.subscribe(subscriber, [&](const std::string& event) {
    queue.push_back(event);
    wake.cancel();
  });
  struct Unsubscribe {
    ChatService& service;
    int subscriber, id;
    ~Unsubscribe() { service.unsubscribe(subscriber, id); }
  } guard{service_, subscriber, subscription};

  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  if (auto greeting = service_.greeting(subscriber); !greeting.empty()) append_chunk(out, greeting);
  // A client that leaves is seen at once, not at the next write: its stream stops counting as
  // open (the lobby's figures) without waiting for a heartbeat.
  co_await (send_events(self, queue, out) || until_closed(*self.socket));
}

// Writes what is queued, then waits for the next event or heartbeat; ends on a failed write, at
// stop(), or when the watch on the client's side ends (the cancellation then throws out of the
// next wait, which awaitable_operators swallow for the losing side).
asio::awaitable<void> DemoServer::send_events(Connection& self, std::deque<std::string>& queue,
                                              std::string& out) {
  asio::steady_timer& wake = *self.wake;
  auto next_heartbeat = std::chrono::steady_clock::now() + heartbeat_;
  for (;;) {
    while (!queue.empty()) {
      append_chunk(out, queue.front());
      queue.pop_front();
    }
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(*self.socket, asio::buffer(out), nothrow);
      if (ec) co_return;
      out.clear();
      continue;  // events published during the write are sent before any wait
    }
    if (stopping_) co_return;
    wake.expires_at(next_heartbeat);
    auto [ec] = co_await wake.async_wait(nothrow);
    if (!ec) {
      append_chunk(out, ": heartbeat\n\n");
      next_heartbeat += heartbeat_;
    }
  }
}

asio::awaitable<void> DemoServer::deliver_events() {
  for (;;) {
    delivery_idle_ = service_.topic().lag() == 0;
    if (delivery_idle_)
      delivery_timer_.expires_at(asio::steady_timer::time_point::max());
    else
      delivery_timer_.expires_after(kDeliveryTick);
    co_await delivery_timer_.async_wait(nothrow);
    delivery_idle_ = false;
    if (stopping_) co_return;
    service_.deliver(delivery_bucket_.take(std::chrono::steady_clock::now(), service_.topic().lag()));
  }
}

// An idle consumer starts at once on a new event: the bucket, full after the quiet, decides.
void DemoServer::wake_delivery() {
  if (delivery_idle_ && service_.topic().lag() > 0) delivery_timer_.cancel();
}

}  // namespace reprise::demo
