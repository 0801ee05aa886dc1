// net/AdminServer on a loopback port the kernel chose: routing by method and path (404, 405),
// a "{name}" segment, bodies by length or chunked, the limits (400, 413), and a page served
// in the content type its route gives.
#include "net/AdminServer.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <string>

using reprise::net::AdminRequest;
using reprise::net::AdminResponse;
using reprise::net::AdminServer;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One request on its own connection; everything the server sent until it closed.
std::string ask(const tcp::endpoint& at, const std::string& request) {
  asio::io_context ctx;
  tcp::socket s(ctx);
  s.connect(at);
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return out;
}

std::string body_of(const std::string& reply) { return reply.substr(reply.find("\r\n\r\n") + 4); }

}  // namespace

TEST_CASE("admin server: routes by method and path, 404 and 405 otherwise", "[net][admin]") {
  AdminServer server(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  server.route("GET", "/healthz", [](const AdminRequest&) {
    return AdminResponse{200, "text/plain", "ok\n", {}};
  });
  server.route("PUT", "/faults/{name}", [](const AdminRequest& r) {
    return AdminResponse{201, "application/json", std::string(r.param) + "=" + std::string(r.body), {}};
  });
  server.route("DELETE", "/faults/{name}", [](const AdminRequest&) {
    return AdminResponse{204, "", "", {}};
  });
  server.route("GET", "/echo", [](const AdminRequest& r) {
    return AdminResponse{
        200, "text/plain", std::string(r.query) + "|" + std::string(r.head.header("x-a")), {{"X-Seen", "1"}}};
  });
  server.start();
  auto at = server.endpoint();

  std::string ok = ask(at, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(ok.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(body_of(ok) == "ok\n");

  std::string put =
      ask(at,
          "PUT /faults/slow-send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          "9\r\n\r\n{\"a\": 1}\n");
  CHECK(put.starts_with("HTTP/1.1 201 Created\r\n"));
  CHECK(body_of(put) == "slow-send={\"a\": 1}\n");
  std::string chunked = ask(at,
                            "PUT /faults/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n");
  CHECK(body_of(chunked) == "x=abc");

  CHECK(ask(at, "DELETE /faults/x HTTP/1.1\r\nHost: x\r\n\r\n") ==
        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");

  std::string echo = ask(at, "GET /echo?q=1 HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\r\n");
  CHECK(body_of(echo) == "q=1|b");
  CHECK(echo.find("X-Seen: 1\r\n") != std::string::npos);

  CHECK(ask(at, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404 "));
  CHECK(ask(at, "GET /faults/ HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404 "));
  CHECK(ask(at, "GET /faults/a/b HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404 "));
  std::string wrong = ask(at, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  CHECK(wrong.starts_with("HTTP/1.1 405 "));
  CHECK(wrong.find("Allow: GET\r\n") != std::string::npos);
  CHECK(ask(at, "GET /healthz HTTP/1.1\nHost: x\n\n").starts_with("HTTP/1.1 400 "));
  CHECK(ask(at, "PUT /faults/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
            .starts_with("HTTP/1.1 413 "));
}

TEST_CASE("admin server: a body is taken only as JSON, else 415 with a JSON error", "[net][admin]") {
  AdminServer server(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "GET"})
    server.route(method, "/faults", [](const AdminRequest& r) {
      return AdminResponse{200, "text/plain", "got " + std::string(r.body), {}};
    });
  server.start();
  auto at = server.endpoint();
  auto call = [&](const std::string& method, const std::string& type, const std::string& body) {
    return ask(at, method + " /faults HTTP/1.1\r\nHost: x\r\n" +
                       (type.empty() ? "" : "Content-Type: " + type + "\r\n") +
                       "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "GET"}) {
    INFO(method);
    for (const char* refused :
         {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "",
          "application/jsonp", "text/json", "application/json-seq"}) {
      INFO(refused);
      std::string answer = call(method, refused, "{}");
      CHECK(answer.starts_with("HTTP/1.1 415 Unsupported Media Type\r\n"));
      CHECK(answer.find("Content-Type: application/json\r\n") != std::string::npos);
      CHECK(body_of(answer).starts_with("{\"error\": \"the admin API takes JSON bodies"));
    }
    for (const char* taken : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                              "application/json ;charset=UTF-8"})
      CHECK(body_of(call(method, taken, "{}")) == "got {}");
    CHECK(body_of(call(method, "text/plain", "")) == "got ");  // no body: nothing to refuse
  }
}

TEST_CASE("admin server: a page in its route's content type (the replayer's /metrics)", "[net][admin]") {
  AdminServer server(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  server.route("GET", "/metrics", [](const AdminRequest&) {
    return AdminResponse{200, "text/plain; version=0.0.4; charset=utf-8", "m 1\n", {}};
  });
  server.start();
  std::string reply = ask(server.endpoint(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(reply.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(body_of(reply) == "m 1\n");
}
