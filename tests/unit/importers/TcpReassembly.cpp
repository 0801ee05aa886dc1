#include "importers/TcpReassembly.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "TcpFlow.hpp"

using reprise::importers::CloseReason;
using reprise::importers::Connection;
using reprise::importers::Direction;
using reprise::importers::TcpReassembly;
using reprise::test::endpoint;
using reprise::test::Seg;
using reprise::test::TcpFlow;

namespace {

// Keeps what the reassembly tells, per connection id.
struct Seen : TcpReassembly::Handler {
  struct Conn {
    Connection info;
    std::string up, down;  // client → server, server → client
    std::vector<int64_t> down_times;
    bool fin_up = false, fin_down = false, gap_up = false, gap_down = false, closed = false;
    CloseReason why{};
  };
  std::vector<Conn> conns;

  Conn& at(const Connection& c) {
    for (auto& x : conns)
      if (x.info.id == c.id) return x;
    FAIL("unknown connection");
    return conns.front();
  }
  void on_open(const Connection& c, int64_t) override {
    conns.emplace_back();
    conns.back().info = c;
  }
  void on_data(const Connection& c, Direction d, std::string_view b, int64_t t) override {
    auto& x = at(c);
    (d == Direction::to_server ? x.up : x.down).append(b);
    if (d == Direction::to_client) x.down_times.push_back(t);
  }
  void on_fin(const Connection& c, Direction d, int64_t) override {
    (d == Direction::to_server ? at(c).fin_up : at(c).fin_down) = true;
  }
  void on_gap(const Connection& c, Direction d, int64_t) override {
    (d == Direction::to_server ? at(c).gap_up : at(c).gap_down) = true;
  }
  void on_close(const Connection& c, CloseReason why, int64_t) override {
    at(c).closed = true;
    at(c).why = why;
  }
};

void feed(TcpReassembly& r, const std::vector<Seg>& segs, int64_t t = 0) {
  for (const auto& s : segs) r.add(s.view(), t++);
}

TcpFlow flow(uint32_t client_isn = 1000, uint32_t server_isn = 500000) {
  return TcpFlow(endpoint("10.0.0.1", 40000), endpoint("10.0.0.2", 80), client_isn, server_isn);
}

}  // namespace

TEST_CASE("a connection is followed from its handshake to both FINs") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  for (auto s : {f.client("GET / HTTP/1.1\r\n"), f.client("\r\n"), f.server("HTTP/1.1 200 OK\r\n\r\n"),
                 f.client_fin(), f.server_fin()})
    segs.push_back(s);
  feed(r, segs);
  REQUIRE(seen.conns.size() == 1);
  auto& c = seen.conns[0];
  CHECK(c.info.client == endpoint("10.0.0.1", 40000));
  CHECK(c.info.server == endpoint("10.0.0.2", 80));
  CHECK(c.up == "GET / HTTP/1.1\r\n\r\n");
  CHECK(c.down == "HTTP/1.1 200 OK\r\n\r\n");
  CHECK(c.fin_up);
  CHECK(c.fin_down);
  CHECK(c.closed);
  CHECK(c.why == CloseReason::fin);
  CHECK(r.open_connections() == 0);
}

TEST_CASE("segments out of order wait for the bytes before them") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  Seg a = f.client("aaa"), b = f.client("bbb"), c = f.client("ccc");
  for (const auto& s : {c, a, b}) segs.push_back(s);
  feed(r, segs);
  REQUIRE(seen.conns.size() == 1);
  CHECK(seen.conns[0].up == "aaabbbccc");
  CHECK(r.stats().out_of_order == 1);
}

TEST_CASE("a FIN that arrives before the last bytes ends the stream only after them") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  Seg a = f.client("abc"), fin = f.client_fin();
  segs.push_back(fin);
  segs.push_back(a);
  feed(r, segs);
  CHECK(seen.conns[0].up == "abc");
  CHECK(seen.conns[0].fin_up);
}

TEST_CASE("retransmitted segments are delivered once") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  Seg a = f.client("hello "), b = f.client("world");
  for (const auto& s : {a, a, b, a, b}) segs.push_back(s);
  feed(r, segs);
  CHECK(seen.conns[0].up == "hello world");
  CHECK(r.stats().duplicates == 3);
}

TEST_CASE("overlapping segments, in and out of order, give each byte once") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  uint32_t s0 = f.client_seq();
  std::string text = "0123456789abcdefghij";
  // [10,20) first (waits), then [0,12) (overlaps it), then [5,15) (all old), then [18,20) again.
  segs.push_back(f.client_at(s0 + 10, text.substr(10)));
  segs.push_back(f.client_at(s0, text.substr(0, 12)));
  segs.push_back(f.client_at(s0 + 5, text.substr(5, 10)));
  segs.push_back(f.client_at(s0 + 18, text.substr(18)));
  // two waiting segments that start at the same place: the longer one wins
  segs.push_back(f.client_at(s0 + 25, "PQ"));
  segs.push_back(f.client_at(s0 + 25, "PQRS"));
  segs.push_back(f.client_at(s0 + 20, "KLMNO"));
  feed(r, segs);
  CHECK(seen.conns[0].up == text + "KLMNOPQRS");
}

TEST_CASE("sequence numbers that wrap past 2^32 keep the stream in order") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow(0xfffffff0u, 0xfffffffeu);
  auto segs = f.handshake();
  for (int i = 0; i < 8; ++i) segs.push_back(f.client("0123456789"));
  Seg late = f.server("response-bytes-"), later = f.server("after-the-wrap");
  segs.push_back(later);
  segs.push_back(late);
  feed(r, segs);
  CHECK(seen.conns[0].up.size() == 80);
  CHECK(seen.conns[0].down == "response-bytes-after-the-wrap");
}

TEST_CASE("a connection first seen in the middle is skipped and counted, and later ones are followed") {
  Seen seen;
  TcpReassembly r(seen);
  auto old = flow();
  old.handshake();  // not captured
  auto fresh = TcpFlow(endpoint("10.0.0.1", 40001), endpoint("10.0.0.2", 80));
  std::vector<Seg> segs = {old.client("GET /a HTTP/1.1\r\n\r\n"), old.server("HTTP/1.1 200 OK\r\n\r\n")};
  for (auto s : fresh.handshake()) segs.push_back(s);
  segs.push_back(fresh.client("GET /b HTTP/1.1\r\n\r\n"));
  segs.push_back(old.client("GET /c HTTP/1.1\r\n\r\n"));
  segs.push_back(old.client_fin());
  segs.push_back(old.server_fin());
  feed(r, segs);
  REQUIRE(seen.conns.size() == 1);
  CHECK(seen.conns[0].up == "GET /b HTTP/1.1\r\n\r\n");
  CHECK(r.stats().mid_stream == 1);
  CHECK(r.stats().connections == 1);
}

TEST_CASE("pure ACKs of unknown connections are not counted as skipped connections") {
  Seen seen;
  TcpReassembly r(seen);
  auto old = flow();
  old.handshake();
  feed(r, {old.ack(), old.client_fin()});
  CHECK(r.stats().mid_stream == 0);
  CHECK(seen.conns.empty());
}

TEST_CASE("without the SYN-ACK the server's start is learned from the client's ACK") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  Seg syn = f.syn();
  f.syn_ack();  // lost
  feed(r, {syn, f.ack(), f.client("req"), f.server("res")});
  REQUIRE(seen.conns.size() == 1);
  CHECK(seen.conns[0].up == "req");
  CHECK(seen.conns[0].down == "res");
}

TEST_CASE("server bytes captured before the SYN-ACK wait for it") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  Seg syn = f.syn(), syn_ack = f.syn_ack();
  Seg early = f.server("early");
  feed(r, {syn, early, syn_ack});
  CHECK(seen.conns[0].down == "early");
}

TEST_CASE("bytes missing from the capture end the direction with a gap") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  segs.push_back(f.client("one"));
  f.client("two");  // lost
  segs.push_back(f.client("three"));
  feed(r, segs);
  CHECK(seen.conns[0].up == "one");
  CHECK_FALSE(seen.conns[0].gap_up);
  r.finish(100);
  CHECK(seen.conns[0].gap_up);
  CHECK(seen.conns[0].closed);
  CHECK(seen.conns[0].why == CloseReason::capture_end);
  CHECK(r.stats().gaps == 1);
}

TEST_CASE("too many bytes waiting behind a hole is a gap at once") {
  Seen seen;
  TcpReassembly r(seen, 16);
  auto f = flow();
  auto segs = f.handshake();
  f.client("lost");
  segs.push_back(f.client("0123456789"));
  segs.push_back(f.client("0123456789"));
  feed(r, segs);
  CHECK(seen.conns[0].gap_up);
  CHECK_FALSE(seen.conns[0].closed);
}

TEST_CASE("a reset closes the connection") {
  Seen seen;
  TcpReassembly r(seen);
  auto f = flow();
  auto segs = f.handshake();
  segs.push_back(f.client("x"));
  segs.push_back(f.client_rst());
  feed(r, segs);
  CHECK(seen.conns[0].closed);
  CHECK(seen.conns[0].why == CloseReason::reset);
  CHECK(r.open_connections() == 0);
}

TEST_CASE("a new SYN on the same ports starts a new connection; a retransmitted SYN does not") {
  Seen seen;
  TcpReassembly r(seen);
  auto first = flow(1000);
  auto segs = first.handshake();
  segs.insert(segs.begin() + 1, segs[0]);  // the SYN twice
  segs.push_back(first.client("first"));
  auto second = flow(9000000);
  for (auto s : second.handshake()) segs.push_back(s);
  segs.push_back(second.client("second"));
  feed(r, segs);
  REQUIRE(seen.conns.size() == 2);
  CHECK(seen.conns[0].up == "first");
  CHECK(seen.conns[0].why == CloseReason::reused);
  CHECK(seen.conns[1].up == "second");
}

TEST_CASE("IPv6 connections are followed like IPv4 ones") {
  Seen seen;
  TcpReassembly r(seen);
  TcpFlow f(endpoint("::1", 50000), endpoint("::1", 8080));
  auto segs = f.handshake();
  segs.push_back(f.client("v6"));
  feed(r, segs);
  REQUIRE(seen.conns.size() == 1);
  CHECK(seen.conns[0].info.client.to_string() == "[::1]:50000");
  CHECK(seen.conns[0].up == "v6");
}
