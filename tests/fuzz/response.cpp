// libFuzzer harness: an upstream's bytes on the proxy's response path (ResponseRelay). Interim
// 1xx heads go on to an HTTP/1.1 client, then the final head: parsed (bodiless for HEAD, 1xx,
// 204 and 304), written for the client (write_response_head), its body relayed as is or
// re-chunked when its length is unknown (to an HTTP/1.0 client: delimited by the close). The
// client must read the upstream's status and exactly the upstream's body. Input: one byte of
// settings (read size, HEAD or not, HTTP/1.0 client or not), then the upstream's bytes.
#include <array>

#include "HttpRelay.hpp"
#include "http/HeaderRules.hpp"

using namespace reprise;
using fuzz::broken;
using http::BodyKind;
using http::MessageParser;

namespace {

constexpr size_t kMaxHead = 8192;

// The client reads a head the proxy wrote; it must parse with `status`.
void expect_head(MessageParser& client, std::string_view wire, size_t head_len, int status,
                 bool head_request) {
  if (fuzz::find_head(client, wire, wire.size(), SIZE_MAX).length != head_len)
    broken("a head written for the client ends where the proxy wrote its end", wire);
  if (const char* error = client.parse_head(wire.substr(0, head_len), head_request))
    broken("a head written for the client parses", std::string(error) + "\n" + std::string(wire));
  if (client.head().status != status) broken("the client reads the upstream's status", wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t read = 1 + (data[0] & 63);
  const bool head_request = data[0] & 64, client_http10 = data[0] & 128;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  MessageParser upstream(MessageParser::Type::response), client(MessageParser::Type::response);
  for (;;) {  // interim answers (100 Continue) first, as they come
    auto scan = fuzz::find_head(upstream, in, read, kMaxHead);
    if (!scan.length || upstream.parse_head(in.substr(0, scan.length), head_request)) return 0;
    in.remove_prefix(scan.length);
    int status = upstream.head().status;
    if (status >= 200 || status == 101) break;
    if (client_http10) continue;  // an HTTP/1.0 client gets none
    std::string interim;
    http::write_response_head(interim, upstream.head(), false, false, {}, false, false);
    expect_head(client, interim, interim.size(), status, head_request);
  }
  const auto& head = upstream.head();
  if (head.status == 101) return 0;  // a tunnel: the bytes pass as they are

  const bool unknown_length = head.body == BodyKind::chunked || head.body == BodyKind::until_close;
  const bool chunked_out = unknown_length && !client_http10;
  std::string wire;
  http::write_response_head(wire, head, chunked_out, unknown_length && client_http10, {}, false,
                            client_http10);
  const size_t wire_head = wire.size();
  fuzz::Relayed sent;
  sent.complete = head.body == BodyKind::none;
  if (!sent.complete) sent = fuzz::relay_body(upstream, in, read, chunked_out, true);
  if (sent.error && sent.steps == 0) return 0;  // nothing went out: the proxy answers 502 instead
  // A body the close delimits, cut short, ends with an RST (ResponseRelay::end_cut_short).
  if (sent.error && unknown_length && client_http10) return 0;
  wire += sent.wire;

  expect_head(client, wire, wire_head, head.status, head_request);
  if (client.head().body == BodyKind::none && !sent.body.empty())
    broken("a body the upstream sent reaches the client", wire);
  if (client.head().body == BodyKind::none) return 0;
  auto received =
      fuzz::relay_body(client, std::string_view(wire).substr(wire_head), wire.size(), false, true);
  // A body cut short by the upstream is cut short for the client, who may see it fail.
  if (received.body != sent.body || received.complete != sent.complete || (received.error && sent.complete))
    broken("the client gets the upstream's body, nothing more and nothing less", wire);
  return 0;
}
