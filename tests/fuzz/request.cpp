// libFuzzer harness: a client's bytes on the proxy's request path. The head is found as
// ClientSession reads it, parsed, and refused where the proxy refuses it (request_head_error);
// a head that passes is written upstream (write_request_head) and its body framed again. Then the
// upstream's view must agree: what the proxy sends parses and passes the proxy's own checks, with
// the client's method, target and framing, and exactly the client's body: no byte of a body can
// become a second request. Input: one byte of settings (read size, largest head), then the bytes.
#include <array>

#include "HttpRelay.hpp"
#include "http/HeaderRules.hpp"

using namespace reprise;
using fuzz::broken;
using http::BodyKind;
using http::MessageParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t read = 1 + (data[0] & 63);
  const size_t max_head = std::array<size_t, 4>{256, 1024, 8192, 65536}[data[0] >> 6];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  MessageParser client(MessageParser::Type::request);
  auto scan = fuzz::find_head(client, in, read, max_head);
  if (!scan.length || client.parse_head(in.substr(0, scan.length))) return 0;
  const auto& head = client.head();
  if (http::request_head_error(head).cause) return 0;

  std::string wire;
  bool websocket = head.upgrade && http::has_token(head.header("upgrade"), "websocket");
  http::ForwardingHeaders forwarding;
  forwarding.host = "upstream.test:8080";
  http::write_request_head(wire, head, "192.0.2.1", forwarding, websocket);
  const size_t wire_head = wire.size();
  fuzz::Relayed sent;
  if (head.body != BodyKind::none)
    sent = fuzz::relay_body(client, in.substr(scan.length), read, head.body == BodyKind::chunked, false);
  wire += sent.wire;

  MessageParser upstream(MessageParser::Type::request);
  if (fuzz::find_head(upstream, wire, wire.size(), SIZE_MAX).length != wire_head)
    broken("the head sent upstream ends where the proxy wrote its end", wire);
  if (const char* error = upstream.parse_head(std::string_view(wire).substr(0, wire_head)))
    broken("the head sent upstream parses", std::string(error) + "\n" + wire);
  const auto& got = upstream.head();
  if (const char* cause = http::request_head_error(got).cause)
    broken("the head sent upstream passes the proxy's own checks", std::string(cause) + "\n" + wire);
  if (got.method != head.method || got.target != head.target || got.body != head.body ||
      got.content_length != head.content_length)
    broken("the upstream sees the client's method, target and framing", wire);
  if (head.body == BodyKind::none) return 0;
  auto received =
      fuzz::relay_body(upstream, std::string_view(wire).substr(wire_head), wire.size(), false, false);
  if (received.error || received.body != sent.body || received.complete != sent.complete ||
      received.consumed != sent.wire.size())
    broken("the upstream gets the client's body, nothing more and nothing less", wire);
  return 0;
}
