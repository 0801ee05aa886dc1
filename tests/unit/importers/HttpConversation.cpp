#include "importers/HttpConversation.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using reprise::capture::Exchange;
using reprise::importers::HttpConversation;

namespace {

struct Conversation {
  std::vector<Exchange> out;
  HttpConversation http;
  explicit Conversation(uint64_t body_limit = 65536)
      : http("tcp:10.0.0.1:40000", "10.0.0.1", body_limit,
             [this](Exchange&& x) { out.push_back(std::move(x)); }) {}
};

const std::string get_a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string post_b = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
const std::string ok_a = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nA!";
const std::string created_b =
    "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\ngot B!!";

}  // namespace

TEST_CASE("keep-alive: exchanges one after another on one connection, with their times") {
  Conversation c;
  c.http.client_bytes(get_a, 1000);
  c.http.server_bytes(ok_a, 1300);
  c.http.client_bytes(post_b, 2000);
  c.http.server_bytes(created_b.substr(0, 20), 2100);
  c.http.server_bytes(created_b.substr(20), 2500);
  REQUIRE(c.out.size() == 2);
  const auto& a = c.out[0];
  CHECK(a.session == "tcp:10.0.0.1:40000");
  CHECK(a.client == "10.0.0.1");
  CHECK(a.t_us == 1000);
  CHECK(a.req.method == "GET");
  CHECK(a.req.target == "/a");
  CHECK(a.req.version == "1.1");
  CHECK(a.req.headers == reprise::capture::HeaderList{{"Host", "x"}});
  REQUIRE(a.res);
  CHECK(a.res->status == 200);
  CHECK(a.res->body.data == "A!");
  CHECK(a.res->ttfb_us == 300);
  CHECK(a.res->dur_us == 300);
  const auto& b = c.out[1];
  CHECK(b.t_us == 2000);
  CHECK(b.req.body.data == "hello");
  CHECK(b.req.body.size == 5);
  CHECK(b.res->status == 201);
  CHECK(b.res->body.data == "got B!!");
  CHECK(b.res->ttfb_us == 100);
  CHECK(b.res->dur_us == 500);
  CHECK_FALSE(b.stream);
  c.http.end(3000);
  CHECK(c.out.size() == 2);
  CHECK(c.http.counts().exchanges == 2);
  CHECK(c.http.counts().unanswered == 0);
}

TEST_CASE("pipelining: requests sent together are matched in order to the responses") {
  Conversation c;
  c.http.client_bytes(get_a + post_b + get_a, 10);
  c.http.server_bytes(ok_a + created_b, 20);
  REQUIRE(c.out.size() == 2);
  CHECK(c.out[0].req.target == "/a");
  CHECK(c.out[0].res->status == 200);
  CHECK(c.out[1].req.target == "/b");
  CHECK(c.out[1].res->status == 201);
  c.http.server_bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 30);
  REQUIRE(c.out.size() == 3);
  CHECK(c.out[2].res->status == 404);
  CHECK(c.out[2].t_us == 10);
}

TEST_CASE("chunked bodies both ways are kept dechunked, whatever the packet boundaries") {
  std::string req =
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n";
  std::string res =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: "
      "1\r\n\r\n";
  for (size_t step : {size_t{1}, size_t{2}, size_t{7}, req.size() + res.size()}) {
    INFO("bytes per call: " << step);
    Conversation c;
    for (size_t i = 0; i < req.size(); i += step) c.http.client_bytes(req.substr(i, step), 1);
    for (size_t i = 0; i < res.size(); i += step) c.http.server_bytes(res.substr(i, step), 2);
    REQUIRE(c.out.size() == 1);
    CHECK(c.out[0].req.body.data == "abcdefg");
    CHECK(c.out[0].res->body.data == "hello!");
  }
}

TEST_CASE("an answer to HEAD has no body whatever its Content-Length says") {
  Conversation c;
  c.http.client_bytes("HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n" + get_a, 1);
  c.http.server_bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + ok_a, 2);
  REQUIRE(c.out.size() == 2);
  CHECK(c.out[0].req.method == "HEAD");
  CHECK(c.out[0].res->body.size == 0);
  CHECK(c.out[1].res->body.data == "A!");
}

TEST_CASE("204 and 304 have no body; 1xx interim answers are skipped") {
  Conversation c;
  c.http.client_bytes(get_a + get_a + post_b, 1);
  c.http.server_bytes("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 2);
  c.http.server_bytes("HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n", 3);
  c.http.server_bytes("HTTP/1.1 100 Continue\r\n\r\n", 4);
  c.http.server_bytes(created_b, 9);
  REQUIRE(c.out.size() == 3);
  CHECK(c.out[0].res->status == 204);
  CHECK(c.out[1].res->status == 304);
  CHECK(c.out[2].res->status == 201);
  CHECK(c.out[2].res->body.data == "got B!!");
  CHECK(c.out[2].res->ttfb_us == 8);  // from the final answer's first byte
}

TEST_CASE("a response without length ends when the server closes") {
  Conversation c;
  c.http.client_bytes(get_a, 0);
  c.http.server_bytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, ", 10);
  c.http.server_bytes("part two", 20);
  CHECK(c.out.empty());
  c.http.server_closed(30);
  REQUIRE(c.out.size() == 1);
  CHECK(c.out[0].res->body.data == "part one, part two");
  CHECK(c.out[0].res->dur_us == 30);
  CHECK(c.http.counts().unfinished == 0);
}

TEST_CASE(
    "an SSE response is a stream of timed events, handed out as far as it went when the connection ends") {
  Conversation c;
  c.http.client_bytes("GET /events HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
  c.http.server_bytes(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", 1100);
  c.http.server_bytes("26\r\nevent: connected\ndata: {\"user_id\":1}\n\n\r\n", 1150);
  c.http.server_bytes("d\r\n: heartbeat\n\n\r\n", 2000);
  c.http.server_bytes("7\r\ndata: x\r\n", 3000);  // an event not yet ended
  CHECK(c.out.empty());
  c.http.end(3500);
  REQUIRE(c.out.size() == 1);
  const auto& x = c.out[0];
  REQUIRE(x.stream);
  CHECK(x.stream->kind == "sse");
  REQUIRE(x.stream->events.size() == 1);  // the heartbeat comment is no event a browser sees
  CHECK(x.stream->events[0].t_us == 150);
  CHECK(x.stream->events[0].bytes == 38);
  CHECK(x.res->ttfb_us == 100);
  CHECK(x.res->dur_us == 2500);
  CHECK(c.http.counts().unfinished == 1);
}

TEST_CASE("bodies are kept up to the limit, with their whole size") {
  Conversation c(4);
  c.http.client_bytes(post_b, 0);
  c.http.server_bytes(created_b, 1);
  REQUIRE(c.out.size() == 1);
  CHECK(c.out[0].req.body.data == "hell");
  CHECK(c.out[0].req.body.size == 5);
  CHECK(c.out[0].req.body.truncated());
  CHECK(c.out[0].res->body.data == "got ");
  CHECK(c.out[0].res->body.size == 7);
}

TEST_CASE("a request never answered is handed out without a response at the end") {
  Conversation c;
  c.http.client_bytes(get_a + post_b, 5);
  c.http.server_bytes(ok_a, 6);
  c.http.end(50);
  REQUIRE(c.out.size() == 2);
  CHECK(c.out[1].req.target == "/b");
  CHECK_FALSE(c.out[1].res);
  CHECK(c.http.counts().unanswered == 1);
}

TEST_CASE("a connection that does not start with an HTTP request is not HTTP") {
  Conversation c;
  c.http.client_bytes(std::string("\x16\x03\x01\x02\x00", 5), 0);
  CHECK_FALSE(c.http.is_http());
  c.http.server_bytes(ok_a, 1);
  c.http.end(2);
  CHECK(c.out.empty());
  Conversation garbage;
  garbage.http.client_bytes("HELLO world\r\n\r\n", 0);
  CHECK_FALSE(garbage.http.is_http());
}

TEST_CASE("a response before its request waits for it (the two sides were captured out of order)") {
  Conversation c;
  c.http.server_bytes(ok_a, 10);
  CHECK(c.out.empty());
  c.http.client_bytes(get_a, 9);
  REQUIRE(c.out.size() == 1);
  CHECK(c.out[0].res->body.data == "A!");
}

TEST_CASE("after a 101 the connection is a tunnel: no more HTTP is read") {
  Conversation c;
  c.http.client_bytes(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x02hi", 1);
  c.http.server_bytes(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x02hi", 2);
  c.http.client_bytes("GET /not-http HTTP/1.1\r\n\r\n", 3);
  c.http.end(4);
  REQUIRE(c.out.size() == 1);
  CHECK(c.out[0].res->status == 101);
}

TEST_CASE("an upgrade that is refused leaves the connection HTTP") {
  Conversation c;
  c.http.client_bytes("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + get_a,
                      1);
  c.http.server_bytes(ok_a + ok_a, 2);
  REQUIRE(c.out.size() == 2);
  CHECK(c.out[1].req.target == "/a");
}

TEST_CASE("missing bytes drop what is in flight and stop the conversation, counted") {
  Conversation c;
  c.http.client_bytes(get_a + get_a, 1);
  c.http.server_bytes(ok_a, 2);
  c.http.bytes_lost();
  c.http.server_bytes(ok_a, 3);
  c.http.end(4);
  CHECK(c.out.size() == 1);
  CHECK(c.http.counts().dropped == 1);
  REQUIRE(c.http.problem() != nullptr);
}

TEST_CASE("a malformed response stops the conversation and drops what waits") {
  Conversation c;
  c.http.client_bytes(get_a, 1);
  c.http.server_bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 2);
  c.http.end(3);
  CHECK(c.out.empty());
  CHECK(c.http.counts().dropped == 1);
}
