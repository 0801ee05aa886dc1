// The proxy's way with one HTTP message, for the request and response harnesses: the head found
// in reads of a few bytes at a time as they come off a socket (ClientSession, ResponseRelay), the
// body fed to the parser in the same reads and framed again for the other side as UpstreamRequest
// and ResponseRelay frame it (proxy/BodyPieces). A harness then parses what the proxy would send
// and compares it with what came in. Only for the fuzz harnesses.
#pragma once

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "Harness.hpp"
#include "http/MessageParser.hpp"
#include "proxy/BodyPieces.hpp"

namespace reprise::fuzz {

using http::MessageParser;

// The head's end, scanned in reads of `read` bytes as the proxy scans it; the scan in pieces
// must agree with one scan of all of `data`.
inline MessageParser::HeadScan find_head(const MessageParser& parser, std::string_view data, size_t read,
                                         size_t max_size) {
  size_t scanned = 0, have = 0;
  MessageParser::HeadScan scan;
  do {
    have = std::min(data.size(), have + read);
    scan = parser.find_head_end(data.substr(0, have), scanned, max_size);
  } while (!scan.error && !scan.length && have < data.size());
  size_t from_start = 0;
  auto whole = parser.find_head_end(data, from_start, max_size);
  if (whole.length != scan.length || !whole.error != !scan.error)
    broken("a head is found the same in reads of any size", data);
  return scan;
}

struct Relayed {
  std::string body;       // the body's bytes
  std::string wire;       // what goes on: the pieces as they are, or chunks and the last chunk
  size_t consumed = 0;    // input bytes that belonged to the message
  size_t steps = 0;       // steps passed on (the first goes out with the head)
  bool complete = false;  // the message ended
  const char* error = nullptr;
};

// What the proxy writes on after one step: the step's pieces, framed, and the last chunk when
// the body ended.
inline void pass_on(MessageParser& parser, bool chunked, bool ended, Relayed& out) {
  std::vector<boost::asio::const_buffer> buffers;
  std::vector<std::array<char, 20>> sizes;
  proxy::add_body_pieces(buffers, sizes, parser.pieces(), chunked);
  if (ended && chunked) buffers.push_back(boost::asio::buffer(proxy::kLastChunk));
  for (const auto& b : buffers) out.wire.append(static_cast<const char*>(b.data()), b.size());
  for (auto p : parser.pieces()) out.body.append(p);
  parser.clear_pieces();
  ++out.steps;
}

// Feeds the body in reads of `read` bytes, each step given the bytes not consumed yet, as the
// proxy does: the first step with what came with the head (perhaps nothing), and a step that
// fails passes nothing on. `eof`: the input's end is the peer closing, which ends a body
// delimited by the close.
inline Relayed relay_body(MessageParser& parser, std::string_view data, size_t read, bool chunked, bool eof) {
  Relayed out;
  for (bool at_end = false; !at_end;) {
    auto piece = data.substr(out.consumed, read);
    at_end = out.consumed + piece.size() == data.size();
    auto step = parser.parse_body(piece);
    if ((out.error = step.error)) return out;
    pass_on(parser, chunked, step.complete, out);
    out.consumed += step.consumed;
    if ((out.complete = step.complete)) return out;
  }
  if (!eof) return out;
  auto end = parser.finish();
  if ((out.error = end.error)) return out;
  pass_on(parser, chunked, end.complete, out);
  out.complete = end.complete;
  return out;
}

}  // namespace reprise::fuzz
