#include "demo/DemoClient.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "InputError.hpp"

namespace reprise::demo {

namespace asio = boost::asio;

DemoClient::DemoClient(const asio::ip::tcp::endpoint& target) : socket_(ctx_) {
  boost::system::error_code ec;
  socket_.connect(target, ec);
  if (ec) throw RuntimeFailure("cannot connect to " + target.address().to_string() + ": " + ec.message());
  socket_.set_option(asio::ip::tcp::no_delay(true));
}

void DemoClient::write_request(const std::string& method, const std::string& target, const std::string& token,
                               const std::string& body) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: reprise-demo\r\n";
  if (!token.empty()) out += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  asio::write(socket_, asio::buffer(out));
}

bool DemoClient::read_more() {
  boost::system::error_code ec;
  size_t n = socket_.read_some(in_.prepare(16384), ec);
  if (ec) return false;
  in_.commit(n);
  return true;
}

size_t DemoClient::read_head() {
  size_t scanned = 0;
  for (;;) {
    auto scan = parser_.find_head_end(in_.readable(), scanned, 64 * 1024);
    if (scan.error) throw RuntimeFailure(std::string("demo: malformed response: ") + scan.error);
    if (scan.length) {
      if (const char* err = parser_.parse_head(in_.readable().substr(0, scan.length)))
        throw RuntimeFailure(std::string("demo: malformed response: ") + err);
      return scan.length;
    }
    if (!read_more()) throw RuntimeFailure("demo: connection closed before a response");
  }
}

DemoResponse DemoClient::send(const std::string& method, const std::string& target, const std::string& token,
                              const std::string& json_body) {
  auto start = std::chrono::steady_clock::now();
  write_request(method, target, token, json_body);
  DemoResponse r;
  in_.consume(read_head());
  r.status = parser_.head().status;
  for (;;) {
    auto step = parser_.parse_body(in_.readable());
    if (step.error) throw RuntimeFailure(std::string("demo: malformed body: ") + step.error);
    for (auto piece : parser_.pieces()) r.body.append(piece);
    parser_.clear_pieces();
    in_.consume(step.consumed);
    if (step.complete) break;
    if (!read_more()) throw RuntimeFailure("demo: connection closed inside a body");
  }
  r.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  return r;
}

int DemoClient::stream(const std::string& target, const std::string& token, std::chrono::milliseconds timeout,
                       const std::function<bool(std::string_view)>& on_data) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  write_request("GET", target, token, "");
  in_.consume(read_head());
  int status = parser_.head().status;
  for (;;) {
    auto step = parser_.parse_body(in_.readable());
    if (step.error) break;
    bool more = true;
    for (auto piece : parser_.pieces()) more = more && on_data(piece);
    parser_.clear_pieces();
    in_.consume(step.consumed);
    if (!more || step.complete || !read_more()) break;
  }
  return status;
}

}  // namespace reprise::demo
