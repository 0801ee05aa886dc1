#include "proxy/ExchangeRecording.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "TempFile.hpp"
#include "capture/CaptureReader.hpp"
#include "capture/Recorder.hpp"
#include "http/MessageParser.hpp"

using reprise::capture::CaptureReader;
using reprise::capture::Exchange;
using reprise::capture::HeaderList;
using reprise::capture::Recorder;
using reprise::capture::RecorderConfig;
using reprise::capture::StreamEvent;
using reprise::http::MessageParser;
using reprise::proxy::ExchangeRecording;
using reprise::test::TempFile;
using namespace std::chrono_literals;

namespace {

// A message parsed from real bytes by the real parser: the head first, then body bytes fed
// piece by piece, each call handing back the pieces the parser found (views into `bytes_`).
class Message {
 public:
  Message(MessageParser::Type type, std::string head) : bytes_(std::move(head)), parser_(type) {
    bytes_.reserve(1 << 20);  // body bytes are appended later: the head's views must stay valid
    size_t scanned = 0;
    auto scan = parser_.find_head_end(bytes_, scanned, 65536);
    INFO(bytes_);
    REQUIRE(scan.error == nullptr);
    REQUIRE(scan.length == bytes_.size());
    head_length_ = scan.length;
    REQUIRE(parser_.parse_head(bytes_) == nullptr);
  }
  const reprise::http::MessageHead& head() const { return parser_.head(); }
  std::string_view raw_head() const { return std::string_view(bytes_).substr(0, head_length_); }

  const std::vector<std::string_view>& feed(const std::string& body) {
    parser_.clear_pieces();
    size_t at = bytes_.size();
    bytes_ += body;
    auto step = parser_.parse_body(std::string_view(bytes_).substr(at));
    REQUIRE(step.error == nullptr);
    return parser_.pieces();
  }

 private:
  std::string bytes_;
  size_t head_length_ = 0;
  MessageParser parser_;
};

Message request(std::string head) { return Message(MessageParser::Type::request, std::move(head)); }
Message response(std::string head) { return Message(MessageParser::Type::response, std::move(head)); }

// A recorder writing to a temp file, and the records it wrote once stopped.
class Capture {
 public:
  explicit Capture(uint64_t body_limit = 64 * 1024) {
    RecorderConfig c;
    c.path = file_.path();
    c.body_limit = body_limit;
    c.redact = false;
    recorder_.emplace(c, 1);
  }
  Recorder& recorder() { return *recorder_; }

  std::vector<Exchange> records() {
    recorder_->stop();
    CaptureReader r(file_.path());
    std::vector<Exchange> out;
    Exchange x;
    while (r.next(x)) out.push_back(x);
    return out;
  }
  Exchange only_record() {
    auto all = records();
    REQUIRE(all.size() == 1);
    return all[0];
  }

 private:
  TempFile file_;
  std::optional<Recorder> recorder_;
};

// A WebSocket frame (RFC 6455 §5.2): FIN set, 7-, 16- or 64-bit length by payload size.
std::string ws_frame(unsigned opcode, const std::string& payload, bool masked) {
  std::string f(1, static_cast<char>(0x80 | opcode));
  const unsigned mask_bit = masked ? 0x80 : 0;
  uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xffff) {
    f.push_back(static_cast<char>(mask_bit | 126));
    for (int shift = 8; shift >= 0; shift -= 8) f.push_back(static_cast<char>((n >> shift) & 0xff));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  if (!masked) return f + payload;
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

std::vector<std::pair<char, uint64_t>> dirs_and_sizes(const std::vector<StreamEvent>& events) {
  std::vector<std::pair<char, uint64_t>> out;
  for (const auto& e : events) out.emplace_back(e.dir, e.bytes);
  return out;
}

std::vector<uint64_t> sizes(const std::vector<StreamEvent>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.bytes);
  return out;
}

const char* kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";

}  // namespace

TEST_CASE("an exchange keeps both heads in order, bodies up to the limit, and its times") {
  Capture cap(5);
  ExchangeRecording rec;
  CHECK_FALSE(rec.active());
  auto req =
      request("POST /api/x?y=1 HTTP/1.0\r\nHost: h\r\nX-Dup: 1\r\nContent-Length: 11\r\nX-Dup: 2\r\n\r\n");
  auto start = ExchangeRecording::clock::now() - 5ms;
  rec.begin(cap.recorder(), 0, "client-7", "192.0.2.9", req.head(), req.raw_head(), start);
  CHECK(rec.active());
  rec.request_body(req.feed("hello "));
  rec.request_body(req.feed("world"));

  auto res =
      response("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
  rec.response_head(res.head(), res.raw_head());
  rec.response_body(res.feed("3\r\nabc\r\n"));
  rec.response_body(res.feed("5\r\ndefgh\r\n0\r\n\r\n"));
  rec.end();
  CHECK_FALSE(rec.active());

  auto x = cap.only_record();
  CHECK(x.id == 1);
  CHECK(x.session == "client-7");
  CHECK(x.client == "192.0.2.9");
  CHECK(x.req.method == "POST");
  CHECK(x.req.target == "/api/x?y=1");
  CHECK(x.req.version == "1.0");
  CHECK(x.req.headers == HeaderList{{"Host", "h"}, {"X-Dup", "1"}, {"Content-Length", "11"}, {"X-Dup", "2"}});
  CHECK(x.req.body.data == "hello");
  CHECK(x.req.body.size == 11);
  CHECK(x.req.body.truncated());
  REQUIRE(x.res);
  CHECK(x.res->status == 201);
  CHECK(x.res->headers == HeaderList{{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
  CHECK(x.res->body.data == "abcde");
  CHECK(x.res->body.size == 8);
  CHECK(x.res->ttfb_us >= 5000);
  CHECK(x.res->dur_us >= x.res->ttfb_us);
  CHECK_FALSE(x.stream);
}

TEST_CASE("headers read from a copy the parser made (line-ending tabs) are recorded as received") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /t HTTP/1.1\r\nX-Tab: a b\t\r\nX-Empty:\r\nHost: h\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response("HTTP/1.1 204 No Content\r\nX-Empty:\r\nX-Tab: \tz\t \t\r\n\r\n");
  rec.response_head(res.head(), res.raw_head());
  rec.end();
  auto x = cap.only_record();
  CHECK(x.req.target == "/t");
  CHECK(x.req.headers == HeaderList{{"X-Tab", "a b"}, {"X-Empty", ""}, {"Host", "h"}});
  REQUIRE(x.res);
  CHECK(x.res->status == 204);
  CHECK(x.res->headers == HeaderList{{"X-Empty", ""}, {"X-Tab", "z"}});
}

TEST_CASE("a body within the limit is kept whole, and an exchange with no answer has no res") {
  Capture cap(100);
  ExchangeRecording rec;
  auto req = request("PUT /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  rec.request_body(req.feed("data"));
  rec.response_body({"ignored without a response head"});
  rec.end();
  auto x = cap.only_record();
  CHECK(x.req.version == "1.1");
  CHECK(x.req.body.data == "data");
  CHECK_FALSE(x.req.body.truncated());
  CHECK_FALSE(x.res);
  CHECK_FALSE(x.stream);
}

TEST_CASE("a recording that was never begun ignores every call") {
  Capture cap;
  ExchangeRecording rec;
  auto res = response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n");
  rec.request_body({"x"});
  rec.response_head(res.head(), res.raw_head());
  rec.response_body({"y"});
  rec.tunnel_bytes('u', "z");
  rec.end();
  CHECK_FALSE(rec.active());
  CHECK(cap.records().empty());
}

TEST_CASE("SSE events end at \\n\\n, \\r\\n\\r\\n and \\r\\n\\n, also across piece boundaries") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /events HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response(kSseHead);
  rec.response_head(res.head(), res.raw_head());
  // Events: "data: a\n\n" (9), "data: bb\r\n\r" (11: the LF after that CR comes in the next
  // piece and counts there), "\ndata: c\r\n\n" (11), "data: d\n\n" (9); the comment ": hi" is
  // no event; a last one never ends.
  for (std::string piece : {"data: a\n\nda", "ta: bb\r\n\r", "\ndata: c\r\n", "\n", "data: d\n", "\n: hi\r",
                            "\n\r\n", "data: cut"})
    rec.response_body(res.feed(piece));
  rec.end();

  auto x = cap.only_record();
  REQUIRE(x.stream);
  CHECK(x.stream->kind == "sse");
  CHECK(sizes(x.stream->events) == std::vector<uint64_t>{9, 11, 11, 9});
  for (size_t i = 1; i < x.stream->events.size(); ++i)
    CHECK(x.stream->events[i].t_us >= x.stream->events[i - 1].t_us);
  for (const auto& e : x.stream->events) CHECK(e.dir == 'd');
  CHECK(x.res->body.data == "data: a\n\ndata: bb\r\n\r\ndata: c\r\n\ndata: d\n\n: hi\r\n\r\ndata: cut");
}

TEST_CASE("several SSE events in one piece are each counted") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /events HTTP/1.1\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response(kSseHead);
  rec.response_head(res.head(), res.raw_head());
  rec.response_body(res.feed("data: 1\n\ndata: 22\n\nevent: x\ndata: 333\n\n"));
  rec.end();
  auto x = cap.only_record();
  REQUIRE(x.stream);
  CHECK(sizes(x.stream->events) == std::vector<uint64_t>{9, 10, 20});
}

TEST_CASE("an SSE Content-Type is recognised in any case and with parameters") {
  // Regression (fixed): ExchangeRecording::response_head tests the Content-Type with a case-sensitive
  // starts_with("text/event-stream"), but media types are case-insensitive (RFC 9110 §8.3.1).
  for (std::string type : {"text/event-stream; charset=utf-8", "Text/Event-Stream; charset=utf-8"}) {
    INFO(type);
    Capture cap;
    ExchangeRecording rec;
    auto req = request("GET /events HTTP/1.1\r\n\r\n");
    rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
    auto res = response("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\n\r\n");
    rec.response_head(res.head(), res.raw_head());
    rec.response_body(res.feed("data: 1\n\n"));
    rec.end();
    auto x = cap.only_record();
    REQUIRE(x.stream);
    CHECK(x.stream->kind == "sse");
    CHECK(sizes(x.stream->events) == std::vector<uint64_t>{9});
  }
}

TEST_CASE("a body that is not an event stream records no events") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /plain HTTP/1.1\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n");
  rec.response_head(res.head(), res.raw_head());
  rec.response_body(res.feed("data: 1\n\n"));
  rec.end();
  auto x = cap.only_record();
  CHECK_FALSE(x.stream);
  CHECK(x.res->body.data == "data: 1\n\n");
}

TEST_CASE("one recording reused for the next exchange on the connection starts afresh") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /events HTTP/1.1\r\n\r\n");
  auto res1 = response(kSseHead);
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  rec.response_head(res1.head(), res1.raw_head());
  rec.response_body(res1.feed("data: 1\n\ndata: half\n"));  // ends after a line end
  rec.end();

  auto res2 = response(kSseHead);
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  rec.response_head(res2.head(), res2.raw_head());
  rec.response_body(res2.feed("\ndata: 2\n\n"));  // the leading "\n" ends no event here
  rec.end();

  auto all = cap.records();
  REQUIRE(all.size() == 2);
  // Records of one writer pass are ordered by their end; both may share a pass.
  const Exchange& first = all[0].res->body.data.starts_with("data: 1") ? all[0] : all[1];
  const Exchange& second = &first == &all[0] ? all[1] : all[0];
  REQUIRE(first.stream);
  REQUIRE(second.stream);
  CHECK(sizes(first.stream->events) == std::vector<uint64_t>{9});
  CHECK(sizes(second.stream->events) == std::vector<uint64_t>{10});
  CHECK(second.res->body.size == 10);
}

TEST_CASE("WebSocket frames are sized and directed: masked, 7/16/64-bit lengths, split and batched") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request(
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
      "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kGzzhZRbK+xOo0=\r\n\r\n");
  REQUIRE(res.head().status == 101);
  rec.response_head(res.head(), res.raw_head());

  // A masked client text frame, fed one byte at a time.
  std::string hello = ws_frame(0x1, "Hello", true);
  for (char c : hello) rec.tunnel_bytes('u', std::string_view(&c, 1));
  // A 16-bit length server frame, split inside its length and inside its payload.
  std::string mid = ws_frame(0x2, std::string(300, 'm'), false);
  rec.tunnel_bytes('d', std::string_view(mid).substr(0, 3));
  rec.tunnel_bytes('d', std::string_view(mid).substr(3, 100));
  rec.tunnel_bytes('d', std::string_view(mid).substr(103));
  // A masked 16-bit client frame split inside its mask key.
  std::string masked_mid = ws_frame(0x2, std::string(126, 'k'), true);
  rec.tunnel_bytes('u', std::string_view(masked_mid).substr(0, 6));
  rec.tunnel_bytes('u', std::string_view(masked_mid).substr(6));
  // A 64-bit length server frame in three calls, then three frames in one call.
  std::string big = ws_frame(0x2, std::string(70000, 'b'), false);
  rec.tunnel_bytes('d', std::string_view(big).substr(0, 5));
  rec.tunnel_bytes('d', std::string_view(big).substr(5, 40000));
  rec.tunnel_bytes('d', std::string_view(big).substr(40005));
  rec.tunnel_bytes('d',
                   ws_frame(0x9, "", false) + ws_frame(0x1, "a", false) + ws_frame(0x8, "\x03\xe8", false));
  // A masked close from the client.
  rec.tunnel_bytes('u', ws_frame(0x8, "\x03\xe8", true));
  rec.end();

  auto x = cap.only_record();
  REQUIRE(x.res);
  CHECK(x.res->status == 101);
  REQUIRE(x.stream);
  CHECK(x.stream->kind == "websocket");
  const std::vector<std::pair<char, uint64_t>> expected = {
      {'u', 5}, {'d', 300}, {'u', 126}, {'d', 70000}, {'d', 0}, {'d', 1}, {'d', 2}, {'u', 2},
  };
  CHECK(dirs_and_sizes(x.stream->events) == expected);
  // Tunnelled bytes are events only: no body is kept from them.
  CHECK(x.res->body.size == 0);
  CHECK(x.req.headers.size() == 5);
}

TEST_CASE("a held stream's record lists what fits the body limit and counts the rest") {
  // The record of a stream stays in memory until it ends: an hour of events must not grow it.
  Capture cap(32);
  ExchangeRecording rec;
  auto req = request("GET /events HTTP/1.1\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response(kSseHead);
  rec.response_head(res.head(), res.raw_head());
  for (int i = 0; i < 1000; ++i) rec.response_body(res.feed("data: 1\n\n"));
  rec.end();
  auto sse = cap.only_record();
  REQUIRE(sse.stream);
  CHECK(sizes(sse.stream->events) == std::vector<uint64_t>{9, 9, 9});  // the events of the 32 bytes kept
  CHECK(sse.stream->count() == 1000);
  CHECK(sse.res->body.data.size() == 32);

  Capture tunnel_cap(48);  // a tunnel keeps no body: 48 bytes are two frames' entries
  auto upgrade = request("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  rec.begin(tunnel_cap.recorder(), 0, "s", "", upgrade.head(), upgrade.raw_head(),
            ExchangeRecording::clock::now());
  auto switching =
      response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  rec.response_head(switching.head(), switching.raw_head());
  for (int i = 0; i < 500; ++i) rec.tunnel_bytes(i % 2 ? 'u' : 'd', ws_frame(0x1, "x", i % 2));
  rec.end();
  auto ws = tunnel_cap.only_record();
  REQUIRE(ws.stream);
  CHECK(ws.stream->events.size() == 2);
  CHECK(ws.stream->count() == 500);
}

TEST_CASE("tunnelled bytes without a 101 answer record no frames") {
  Capture cap;
  ExchangeRecording rec;
  auto req = request("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  rec.begin(cap.recorder(), 0, "s", "", req.head(), req.raw_head(), ExchangeRecording::clock::now());
  auto res = response("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  rec.response_head(res.head(), res.raw_head());
  rec.tunnel_bytes('d', ws_frame(0x1, "x", false));
  rec.end();
  auto x = cap.only_record();
  CHECK(x.res->status == 400);
  CHECK_FALSE(x.stream);
}
