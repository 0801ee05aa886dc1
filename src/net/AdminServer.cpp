#include "net/AdminServer.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "InputError.hpp"
#include "http/HeaderRules.hpp"
#include "http/MessageParser.hpp"
#include "net/Address.hpp"
#include "net/Nothrow.hpp"
#include "net/Watchdog.hpp"

namespace reprise::net {
namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxHead = 16384;
constexpr size_t kMaxBody = 1 << 20;
constexpr auto kRequestTime = std::chrono::seconds(10);  // a client that stalls is dropped

// "Bearer <token>", the scheme in any case (RFC 9110 §11.1), compared in constant time.
bool bearer_matches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "bearer ";
  if (!http::istarts_with(header, kScheme)) return false;
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  unsigned char diff = header.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(token[i] ^ (i < header.size() ? header[i] : 0));
  return diff == 0;
}

// "application/json", any case, with or without parameters ("; charset=utf-8").
bool is_json(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return http::iequals(type, "application/json");
}

std::string serialise(const AdminResponse& r) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", r.status, http::status_reason(r.status));
  if (r.status != 204) {  // a 204 has no body, and says nothing of one
    out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", r.content_type, r.body.size());
  }
  for (const auto& [name, value] : r.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "Connection: close\r\n\r\n";
  if (r.status != 204) out += r.body;
  return out;
}

// One request read: its head's length, or `error`, the status to answer instead (0 with no head:
// the client went away or stalled, nothing is answered).
struct ReadResult {
  size_t head_len = 0;
  int error = 0;
};

awaitable<ReadResult> read_request(tcp::socket& socket, http::MessageParser& parser, std::string& in,
                                   std::string& body) {
  char chunk[4096];
  size_t scanned = 0;
  ReadResult r;
  for (;;) {
    auto scan = parser.find_head_end(in, scanned, kMaxHead);
    if (scan.error) co_return ReadResult{0, scan.too_large ? 431 : 400};
    if (scan.length) {
      r.head_len = scan.length;
      break;
    }
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), nothrow);
    if (ec) co_return ReadResult{0, 0};
    in.append(chunk, n);
  }
  if (parser.parse_head(std::string_view(in).substr(0, r.head_len))) co_return ReadResult{0, 400};
  if (parser.head().body == http::BodyKind::none) co_return r;
  if (parser.head().content_length > kMaxBody) co_return ReadResult{0, 413};
  std::string rest = in.substr(r.head_len);  // the head's views stay valid: `in` is not touched again
  for (;;) {
    auto step = parser.parse_body(rest);
    if (step.error) co_return ReadResult{0, 400};
    for (auto piece : parser.pieces()) body.append(piece);
    parser.clear_pieces();
    rest.erase(0, step.consumed);
    if (body.size() > kMaxBody) co_return ReadResult{0, 413};
    if (step.complete) co_return r;
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), nothrow);
    if (ec) co_return ReadResult{0, 0};
    rest.append(chunk, n);
  }
}

// Without SO_REUSEPORT (unlike the proxy's listeners): a second process must not share the
// address and answer half of the scrapes with its own figures.
tcp::acceptor listener(asio::io_context& ctx, const tcp::endpoint& at) {
  tcp::acceptor acceptor(ctx);
  boost::system::error_code ec;
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw RuntimeFailure("cannot listen on " + to_string(at) + ": " + ec.message());
  return acceptor;
}

}  // namespace

AdminServer::AdminServer(const tcp::endpoint& listen) : acceptor_(listener(ctx_, listen)) {}

AdminServer::~AdminServer() {
  ctx_.stop();
  if (thread_.joinable()) thread_.join();
}

void AdminServer::route(std::string method, std::string path, AdminHandler handler) {
  bool has_param = path.ends_with("}") && path.rfind("/{") != std::string::npos;
  if (has_param) path.erase(path.rfind("/{") + 1);  // "/faults/{name}" -> "/faults/"
  routes_.push_back({std::move(method), std::move(path), has_param, std::move(handler)});
}

void AdminServer::start() {
  asio::co_spawn(ctx_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { ctx_.run(); });
}

awaitable<void> AdminServer::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (ec) co_return;
    asio::co_spawn(ctx_, serve(std::move(socket)), asio::detached);
  }
}

awaitable<void> AdminServer::serve(tcp::socket socket) {
  Watchdog dog(socket);
  dog.arm(kRequestTime);
  http::MessageParser parser(http::MessageParser::Type::request);
  std::string in, body;
  ReadResult got = co_await read_request(socket, parser, in, body);
  if (got.error == 0 && got.head_len == 0) co_return;  // the client went away
  AdminResponse res = got.error ? AdminResponse{got.error,
                                                "text/plain; charset=utf-8",
                                                std::string(http::status_reason(got.error)) + "\n",
                                                {}}
                                : dispatch(parser.head(), body);
  std::string out = serialise(res);
  co_await asio::async_write(socket, asio::buffer(out), nothrow);
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

AdminResponse AdminServer::dispatch(const http::MessageHead& head, std::string_view body) const {
  if (!token_.empty() && !bearer_matches(head.header("authorization"), token_))
    return {401,
            "text/plain; charset=utf-8",
            "an admin token is needed: Authorization: Bearer <token>\n",
            {{"WWW-Authenticate", "Bearer"}}};
  std::string_view target = head.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::string allowed;
  for (const auto& r : routes_) {
    std::string_view param;
    if (r.has_param) {
      if (!path.starts_with(r.path) || path.size() == r.path.size()) continue;
      param = path.substr(r.path.size());
      if (param.find('/') != std::string_view::npos) continue;
    } else if (path != r.path) {
      continue;
    }
    if (r.method != head.method) {
      allowed += (allowed.empty() ? "" : ", ") + r.method;
      continue;
    }
    // A page a browser shows can send text/plain, form or multipart bodies to any address without
    // asking first (CORS "simple requests"); it cannot send JSON that way.
    if (!body.empty() && !is_json(head.header("content-type")))
      return {415,
              "application/json",
              "{\"error\": \"the admin API takes JSON bodies: send Content-Type: application/json\"}\n",
              {}};
    return r.handler(AdminRequest{head.method, path, query, param, head, body});
  }
  if (!allowed.empty())
    return {
        405, "text/plain; charset=utf-8", "method not allowed; use " + allowed + "\n", {{"Allow", allowed}}};
  return {404, "text/plain; charset=utf-8", "not found\n", {}};
}

tcp::endpoint AdminServer::endpoint() const { return acceptor_.local_endpoint(); }

}  // namespace reprise::net
