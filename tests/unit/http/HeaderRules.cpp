#include "http/HeaderRules.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/MessageParser.hpp"

using reprise::http::BodyKind;
using reprise::http::ForwardingHeaders;
using reprise::http::is_hop_by_hop;
using reprise::http::MessageHead;
using reprise::http::MessageParser;
using reprise::http::write_chunk_size;
using reprise::http::write_error_response;
using reprise::http::write_request_head;
using reprise::http::write_response_head;

namespace {

// A head parsed from real bytes by the real parser; the views stay valid as long as this lives.
class Parsed {
 public:
  Parsed(MessageParser::Type type, std::string bytes) : bytes_(std::move(bytes)), parser_(type) {
    size_t scanned = 0;
    auto scan = parser_.find_head_end(bytes_, scanned, 65536);
    INFO(bytes_);
    REQUIRE(scan.error == nullptr);
    REQUIRE(scan.length > 0);
    const char* err = parser_.parse_head(std::string_view(bytes_).substr(0, scan.length));
    REQUIRE(err == nullptr);
    body_ = bytes_.substr(scan.length);
  }
  const MessageHead& head() const { return parser_.head(); }
  const std::string& after_head() const { return body_; }

  // Every value of `name`, in order.
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& h : head().headers)
      if (reprise::http::iequals(h.name, name)) out.emplace_back(h.value);
    return out;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& h : head().headers) out.emplace_back(h.name);
    return out;
  }

 private:
  std::string bytes_;
  MessageParser parser_;
  std::string body_;
};

Parsed request(std::string bytes) { return Parsed(MessageParser::Type::request, std::move(bytes)); }
Parsed response(std::string bytes) { return Parsed(MessageParser::Type::response, std::move(bytes)); }

using Values = std::vector<std::string>;
const ForwardingHeaders kAll{};
const ForwardingHeaders kNone{false, false, false, "", ""};

}  // namespace

TEST_CASE("hop-by-hop headers: the fixed list, Proxy-*, and whatever Connection names") {
  for (const char* name : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "UPGRADE",
                           "Proxy-Connection", "Proxy-Authorization", "proxy-authenticate"}) {
    INFO(name);
    CHECK(is_hop_by_hop(name, ""));
  }
  for (const char* name : {"Host", "Content-Length", "Content-Type", "Via", "X-Forwarded-For", "Proxy",
                           "Proxyish", "Trailers", "X-Connection"}) {
    INFO(name);
    CHECK_FALSE(is_hop_by_hop(name, ""));
  }
  CHECK(is_hop_by_hop("X-Secret", "close, X-Secret"));
  CHECK(is_hop_by_hop("x-secret", "close,X-SECRET "));
  CHECK_FALSE(is_hop_by_hop("X-Secret-2", "close, X-Secret"));
  CHECK_FALSE(is_hop_by_hop("X-Other", "close, X-Secret"));
}

TEST_CASE("the request sent upstream keeps end-to-end headers in order and drops hop-by-hop ones") {
  auto in = request(
      "GET /p?q=1 HTTP/1.1\r\nHost: up.example\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: "
      "timeout=5\r\n"
      "X-Secret: s\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n"
      "Accept: */*\r\nCookie: a=1\r\n\r\n");
  std::string out;
  write_request_head(out, in.head(), "10.0.0.9", kAll, false);
  CHECK_THAT(out, Catch::StartsWith("GET /p?q=1 HTTP/1.1\r\n"));
  CHECK_THAT(out, Catch::EndsWith("\r\n\r\n"));
  auto up = request(out);
  CHECK(up.names() == Values{"Host", "Accept", "Cookie", "X-Forwarded-For", "X-Forwarded-Proto", "Via"});
  CHECK(up.all("Host") == Values{"up.example"});
  CHECK(up.all("Cookie") == Values{"a=1"});
  CHECK(up.all("X-Forwarded-For") == Values{"10.0.0.9"});
  CHECK(up.all("X-Forwarded-Proto") == Values{"http"});
  CHECK(up.all("Via") == Values{"1.1 reprise"});
  CHECK(up.head().body == BodyKind::none);
  CHECK(up.head().keep_alive);
}

TEST_CASE("an HTTP/1.0 request goes upstream as HTTP/1.1") {
  auto in = request("GET / HTTP/1.0\r\nHost: x\r\n\r\n");
  std::string out;
  write_request_head(out, in.head(), "127.0.0.1", kNone, false);
  CHECK(out == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

// Found by tests/fuzz/request.cpp (corpus/request/http10-pipelined, after its settings byte): the
// HTTP/1.0 request without Host went upstream as HTTP/1.1 without Host, which nginx answers 400.
TEST_CASE("an HTTP/1.0 request without Host goes upstream with the upstream's Host, and passes the checks") {
  MessageParser client(MessageParser::Type::request);
  std::string bytes =
      "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.1\r\nHost: y\r\nExpect: 100-continue\r\nContent-Length: "
      "3\r\n\r\nabc";
  size_t scanned = 0;
  auto scan = client.find_head_end(bytes, scanned, 8192);
  REQUIRE(scan.length == 19);
  REQUIRE(client.parse_head(std::string_view(bytes).substr(0, scan.length)) == nullptr);
  REQUIRE(reprise::http::request_head_error(client.head()).cause == nullptr);
  ForwardingHeaders fwd = kNone;
  fwd.host = "upstream.test:8080";
  std::string out;
  write_request_head(out, client.head(), "127.0.0.1", fwd, false);
  CHECK(out == "GET /a HTTP/1.1\r\nHost: upstream.test:8080\r\n\r\n");
  auto up = request(out);
  CHECK(reprise::http::request_head_error(up.head()).cause == nullptr);
  // a Host the client sent, even an empty one, is kept as it is
  write_request_head(out, request("GET / HTTP/1.0\r\nHost:\r\n\r\n").head(), "127.0.0.1", fwd, false);
  CHECK(out == "GET / HTTP/1.1\r\nHost: \r\n\r\n");
}

TEST_CASE("X-Forwarded-For and Via values already present are joined and this hop appended") {
  auto in = request(
      "GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2\r\nHost: x\r\nVia: 1.0 edge\r\n"
      "x-forwarded-for: 3.3.3.3\r\nVIA: 1.1 lb\r\n\r\n");
  std::string out;
  write_request_head(out, in.head(), "10.0.0.9", kAll, false);
  auto up = request(out);
  CHECK(up.all("X-Forwarded-For") == Values{"1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.9"});
  CHECK(up.all("Via") == Values{"1.0 edge, 1.1 lb, 1.1 reprise"});
}

TEST_CASE("X-Forwarded-Proto is added only when the client did not send one") {
  auto in = request("GET / HTTP/1.1\r\nHost: x\r\nx-forwarded-proto: https\r\n\r\n");
  std::string out;
  write_request_head(out, in.head(), "10.0.0.9", kAll, false);
  auto up = request(out);
  CHECK(up.all("X-Forwarded-Proto") == Values{"https"});
}

TEST_CASE("forwarding flags off add nothing but pass existing values through") {
  auto bare = request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string out;
  write_request_head(out, bare.head(), "10.0.0.9", kNone, false);
  CHECK(out == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

  auto forwarded = request(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nVia: 1.0 "
      "edge\r\n\r\n");
  write_request_head(out, forwarded.head(), "10.0.0.9", kNone, false);
  auto up = request(out);
  CHECK(up.all("X-Forwarded-For") == Values{"1.1.1.1, 2.2.2.2"});
  CHECK(up.all("Via") == Values{"1.0 edge"});
  CHECK(up.all("X-Forwarded-Proto").empty());

  ForwardingHeaders only_via{false, false, true, "", ""};
  write_request_head(out, bare.head(), "10.0.0.9", only_via, false);
  auto via_only = request(out);
  CHECK(via_only.names() == Values{"Host", "Via"});
}

TEST_CASE("a chunked request body is re-announced as chunked; a Content-Length one passes as is") {
  auto chunked = request("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string out;
  write_request_head(out, chunked.head(), "10.0.0.9", kNone, false);
  auto up = request(out);
  CHECK(up.all("Transfer-Encoding") == Values{"chunked"});
  CHECK(up.all("Content-Length").empty());
  CHECK(up.head().body == BodyKind::chunked);

  auto sized = request("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
  write_request_head(out, sized.head(), "10.0.0.9", kNone, false);
  auto up2 = request(out);
  CHECK(up2.all("Content-Length") == Values{"5"});
  CHECK(up2.all("Transfer-Encoding").empty());
  CHECK(up2.head().body == BodyKind::content_length);
  CHECK(up2.head().content_length == 5);
}

TEST_CASE("a websocket upgrade keeps Upgrade and Connection: upgrade only when asked to") {
  auto ws = request(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  REQUIRE(ws.head().upgrade);
  std::string out;
  write_request_head(out, ws.head(), "10.0.0.9", kNone, true);
  auto up = request(out);
  CHECK(up.all("Upgrade") == Values{"websocket"});
  CHECK(up.all("Connection") == Values{"upgrade"});
  CHECK(up.all("Sec-WebSocket-Key") == Values{"dGhlIHNhbXBsZSBub25jZQ=="});
  CHECK(up.all("Sec-WebSocket-Version") == Values{"13"});
  CHECK(up.head().upgrade);

  write_request_head(out, ws.head(), "10.0.0.9", kNone, false);
  auto plain = request(out);
  CHECK(plain.all("Upgrade").empty());
  CHECK(plain.all("Connection").empty());
  CHECK_FALSE(plain.head().upgrade);
  CHECK(plain.all("Sec-WebSocket-Key").size() == 1);
}

// Connection is a list that may be split over several lines (RFC 9110 §5.3); a proxy removes
// every header any of them names (§7.6.1). Regression: only the first line used to count.
TEST_CASE("headers named by a second Connection line are hop-by-hop too") {
  auto in = request(
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: X-Secret\r\nX-Secret: s\r\n\r\n");
  std::string out;
  write_request_head(out, in.head(), "10.0.0.9", kNone, false);
  auto up = request(out);
  CHECK(up.all("X-Secret").empty());
}

TEST_CASE("the response head: upstream reason kept, hop-by-hop dropped, Via appended, no X-Forwarded-Proto") {
  auto in = response(
      "HTTP/1.1 404 Nope\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive, "
      "X-Hop\r\n"
      "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nVia: 1.1 origin\r\n\r\n");
  std::string out;
  write_response_head(out, in.head(), false, false, kAll, false, false);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 404 Nope\r\n"));
  auto down = response(out);
  CHECK(down.names() == Values{"Content-Type", "Content-Length", "Via"});
  CHECK(down.all("Via") == Values{"1.1 origin, 1.1 reprise"});
  CHECK(down.head().keep_alive);
}

TEST_CASE("an empty upstream reason is replaced by the standard one") {
  auto in = response("HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n");
  std::string out;
  write_response_head(out, in.head(), false, false, kNone, false, false);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 201 Created\r\n"));
}

TEST_CASE("the response head announces the framing and connection the proxy chose") {
  auto in =
      response("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string out;

  SECTION("chunked, kept alive") {
    write_response_head(out, in.head(), true, false, kNone, false, false);
    auto down = response(out);
    CHECK(down.all("Transfer-Encoding") == Values{"chunked"});
    CHECK(down.all("Connection").empty());
    CHECK(down.head().body == BodyKind::chunked);
    CHECK(down.head().keep_alive);
  }
  SECTION("chunked, then close") {
    write_response_head(out, in.head(), true, true, kNone, false, false);
    auto down = response(out);
    CHECK(down.all("Transfer-Encoding") == Values{"chunked"});
    CHECK(down.all("Connection") == Values{"close"});
    CHECK_FALSE(down.head().keep_alive);
  }
  SECTION("not chunked: the upstream Transfer-Encoding does not leak through") {
    write_response_head(out, in.head(), false, true, kNone, false, false);
    auto down = response(out);
    CHECK(down.all("Transfer-Encoding").empty());
    CHECK(down.all("Connection") == Values{"close"});
    CHECK(down.head().body == BodyKind::until_close);
  }
}

TEST_CASE("an HTTP/1.0 client gets an HTTP/1.0 status line and explicit keep-alive") {
  auto in = response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  std::string out;
  write_response_head(out, in.head(), false, false, kNone, false, true);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.0 200 OK\r\n"));
  auto down = response(out);
  CHECK(down.all("Connection") == Values{"keep-alive"});
  CHECK(down.head().version_minor == 0);
  CHECK(down.head().keep_alive);

  write_response_head(out, in.head(), false, true, kNone, false, true);
  auto closing = response(out);
  CHECK(closing.all("Connection") == Values{"close"});
  CHECK_FALSE(closing.head().keep_alive);
}

TEST_CASE("a 101 answer keeps Upgrade and Connection: upgrade, never close") {
  auto in = response(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  std::string out;
  write_response_head(out, in.head(), false, true, kNone, true, false);
  CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
  auto down = response(out);
  CHECK(down.all("Upgrade") == Values{"websocket"});
  CHECK(down.all("Connection") == Values{"upgrade"});
  CHECK(down.all("Sec-WebSocket-Accept") == Values{"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="});
  CHECK(down.head().upgrade);
}

TEST_CASE("a proxy-made error names its cause and its Content-Length matches the body") {
  std::string out;
  write_error_response(out, 502, "upstream refused the connection", true);
  auto r = response(out);
  CHECK(r.head().status == 502);
  CHECK(r.head().reason == "Bad Gateway");
  CHECK(r.all("Content-Type") == Values{"text/plain"});
  CHECK(r.all("Connection") == Values{"close"});
  CHECK(r.after_head() == "reprise: upstream refused the connection\n");
  REQUIRE(r.head().body == BodyKind::content_length);
  CHECK(r.head().content_length == r.after_head().size());

  write_error_response(out, 504, "", false);
  auto empty = response(out);
  CHECK(empty.head().reason == "Gateway Timeout");
  CHECK(empty.all("Connection").empty());
  CHECK(empty.head().keep_alive);
  CHECK(empty.after_head() == "reprise: \n");
  CHECK(empty.head().content_length == empty.after_head().size());
}

TEST_CASE("status reasons for the codes the proxy makes") {
  using reprise::http::status_reason;
  CHECK(status_reason(400) == "Bad Request");
  CHECK(status_reason(408) == "Request Timeout");
  CHECK(status_reason(413) == "Content Too Large");
  CHECK(status_reason(415) == "Unsupported Media Type");
  CHECK(status_reason(431) == "Request Header Fields Too Large");
  CHECK(status_reason(503) == "Service Unavailable");
  CHECK(status_reason(599) == "Unknown");
}

TEST_CASE("chunk size lines are lowercase hex followed by CRLF") {
  char buf[20];
  auto line = [&](size_t n) { return std::string(buf, write_chunk_size(buf, n)); };
  CHECK(line(0) == "0\r\n");
  CHECK(line(10) == "a\r\n");
  CHECK(line(255) == "ff\r\n");
  CHECK(line(4096) == "1000\r\n");
  CHECK(line(SIZE_MAX) == "ffffffffffffffff\r\n");
}

TEST_CASE("request_head_error: Host as RFC 9112 section 3.2 says, and HTTP/1.0 with Transfer-Encoding") {
  auto error = [](std::string text) {
    auto r = request(std::move(text));
    const char* e = reprise::http::request_head_error(r.head()).cause;
    return std::string(e ? e : "");
  };
  CHECK(error("GET / HTTP/1.1\r\nHost: x\r\n\r\n").empty());
  CHECK(error("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").empty());
  CHECK(error("GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").empty());
  CHECK(error("GET / HTTP/1.1\r\nHost:\r\n\r\n").empty());  // no authority: an empty Host
  CHECK(error("GET / HTTP/1.0\r\n\r\n").empty());           // HTTP/1.0 needs none
  CHECK(error("GET / HTTP/1.1\r\n\r\n").starts_with("an HTTP/1.1 request without Host"));
  CHECK(error("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n").starts_with("more than one Host"));
  CHECK(error("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").starts_with("a Host that is not host[:port]"));
  CHECK(error("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n").starts_with("a Host that is not"));
  CHECK(error("GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n").starts_with("a Host that is not"));
  CHECK(error("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n").starts_with("a Host that is not"));
  CHECK(
      error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").starts_with("an HTTP/1.0 request with"));
}

TEST_CASE("request_head_error: the status of each refusal (505 a foreign version, 501 CONNECT, else 400)") {
  auto status = [](std::string text) {
    return reprise::http::request_head_error(request(std::move(text)).head()).status;
  };
  CHECK(status("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  CHECK(status("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  CHECK(status("CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n") == 501);
  CHECK(status("GET / HTTP/1.1\r\n\r\n") == 400);
}

TEST_CASE("a header name that is not a token is refused by the parser") {
  MessageParser parser(MessageParser::Type::request);
  for (std::string bad : {"Bad Name: x", "X(A): x", "X\"A: x"}) {
    std::string head = "GET / HTTP/1.1\r\nHost: x\r\n" + bad + "\r\n\r\n";
    const char* err = parser.parse_head(head);
    INFO(head);
    CHECK(err != nullptr);
  }
  CHECK(reprise::http::is_token("X-Token_1!#$%&'*+.^`|~"));
  CHECK_FALSE(reprise::http::is_token(""));
  CHECK_FALSE(reprise::http::is_token("a:b"));
}
