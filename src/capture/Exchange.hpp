// The record type of a capture: one HTTP exchange as it was seen, with owned copies of
// everything (it outlives every parser buffer). Filled by the proxy's recorder and the
// importers, written and read by CaptureFormat. It knows nothing of files or sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/MessageHead.hpp"
#include "http/MessageParser.hpp"

namespace reprise::capture {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Body {
  std::string data;        // the bytes kept (at most the body limit)
  uint64_t size = 0;       // the whole body's size, which may be more than data.size()
  bool truncated() const { return size > data.size(); }
};

struct Request {
  std::string method;
  std::string target;
  std::string version = "1.1";
  HeaderList headers;
  Body body;
};

struct Response {
  int status = 0;
  HeaderList headers;
  Body body;
  int64_t ttfb_us = 0;  // from the request's start to the first byte of the response
  int64_t dur_us = 0;   // from the request's start to the end of the response
};

// One SSE event or one WebSocket frame.
struct StreamEvent {
  int64_t t_us = 0;  // from the exchange's start
  uint64_t bytes = 0;
  char dir = 'd';    // websocket: 'u' client to upstream, 'd' upstream to client; SSE: always 'd'
};

// A record is kept in memory until its stream ends, so what it lists is bounded by the body
// limit: an SSE record lists the events of the body bytes it keeps, a WebSocket record (which
// keeps no body) byte_limit / 24 frames, the size of their entries; later ones are only counted.
struct Stream {
  std::string kind;                 // "sse" or "websocket"
  std::vector<StreamEvent> events;  // listed
  uint64_t unlisted = 0;            // counted only (the capture's events_count says all)
  uint64_t byte_limit = 0;          // 0: every event listed
  uint64_t listed_bytes = 0;

  void add(const StreamEvent& e);
  uint64_t count() const { return events.size() + unlisted; }
};

// Where one header lies in its head's bytes.
struct FieldSpan {
  uint32_t name_at = 0, name_size = 0, value_at = 0, value_size = 0;
};

// A head's bytes as received, and where its headers lie in them as the proxy's parser found them
// (so that the writer thread copies them out instead of parsing the head again). Without the
// spans (`parse`) the head is parsed again: the mirror's copies, and a head whose line-ending tabs
// the parser read from a copy of its own.
struct RawHead {
  std::string bytes;
  std::vector<FieldSpan> fields;
  bool parse = true;

  // The spans are taken from `parsed`, whose views must point into `raw` (else: parse again).
  void assign(std::string_view raw, const http::MessageHead& parsed);
  void assign(std::string_view raw) {
    bytes.assign(raw);
    fields.clear();
    parse = true;
  }
  bool empty() const { return bytes.empty(); }
  void clear() {
    bytes.clear();
    fields.clear();
    parse = true;
  }
};

struct Exchange {
  uint64_t id = 0;
  std::string session;  // the client connection, or a user key when one is known
  std::string client;   // the client's IP address without the port ("" when unknown)
  std::string page;     // the page load it belongs to (a HAR entry's pageref; "" when none)
  int64_t t_us = 0;     // start, from the capture's start
  Request req;
  std::optional<Response> res;  // absent when no answer came (the client or upstream vanished)
  std::optional<Stream> stream;

  // The proxy hands its heads over as raw bytes with where their headers lie (a copy of each
  // head and a list of offsets on the request path); the recorder's writer thread makes req's
  // and res's header lists of them. Never written to a capture.
  RawHead raw_request_head;
  RawHead raw_response_head;
  // reuse() keeps the last answer body's memory here for the next (emplace_response). Never
  // written to a capture.
  std::string spare_body;
  // The mirror's: the head of an event stream just started (ExchangeSink::stream_started); the
  // same id comes again, whole, when the stream ends. Never written to a capture.
  bool open = false;
};

// Fills req's and res's headers from raw_request_head and raw_response_head: copied out where
// the proxy's spans say (the proxy set the request line and the status), else parsed again with
// `request` and `response`, which then give those too. A record with no raw heads is left as it
// was filled.
void parse_raw_heads(Exchange& x, http::MessageParser& request, http::MessageParser& response);

// Starts the record's answer (res), empty, its body in the memory of the last one's.
Response& emplace_response(Exchange& x);

// The method, target and version of a parsed request head.
void set_request_line(Request& req, const http::MessageHead& head);

// The headers of a parsed head, copied out of the parser's buffer, in order.
HeaderList header_list(const http::MessageHead& head);

// Line 1 of every capture.
struct CaptureHeader {
  int version = 1;
  std::string created;   // ISO-8601 UTC
  std::string source;    // proxy, pcap, har, interface
  std::string upstream;  // where the traffic went, when known
  std::string scheme;    // "https" when clients spoke TLS (a TLS listener, https:// HAR URLs); else ""
  std::string redaction = "default";  // "default", "none", or "default+rules"
  uint64_t body_limit = 0;
};

}  // namespace reprise::capture
