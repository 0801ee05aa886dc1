// What a proxy does to headers on the way through (RFC 9110 §7.6): drops hop-by-hop headers,
// adds X-Forwarded-For / X-Forwarded-Proto / Via, and writes heads with the framing the proxy
// chose. It writes into a caller's reusable string; it knows nothing of sockets.
#pragma once

#include <string>
#include <string_view>

#include "http/MessageHead.hpp"

namespace reprise::http {

struct ForwardingHeaders {
  bool x_forwarded_for = true;
  bool x_forwarded_proto = true;
  bool via = true;
  std::string proto = "http";  // the scheme clients used: X-Forwarded-Proto
  std::string host;  // the upstream's host:port: the Host of a request that came without one
};

// True for the fixed hop-by-hop headers and any header that `connection` (the message's
// Connection value) names, except Content-Length and Host, which it may never strip.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

// The request head sent upstream: always HTTP/1.1, so always with a Host (the client's, else
// fwd.host: an HTTP/1.0 client may send none), `framing` chosen by the caller (chunked is
// re-encoded, Content-Length passes), an Upgrade kept only when `upgrade` is set.
void write_request_head(std::string& out, const MessageHead& head, std::string_view client_ip,
                        const ForwardingHeaders& fwd, bool upgrade);

// The response head sent to the client. `chunked` asks for Transfer-Encoding: chunked;
// `close` for Connection: close.
void write_response_head(std::string& out, const MessageHead& head, bool chunked, bool close,
                         const ForwardingHeaders& fwd, bool upgrade, bool client_http10);

// A proxy-made answer: `status` with a short text/plain body "reprise: <cause>".
void write_error_response(std::string& out, int status, std::string_view cause, bool close);

// A whole text/plain answer with `body` (an injected abort's).
void write_plain_response(std::string& out, int status, std::string_view body, bool close);

// Why a parsed request head is not forwarded, and the status that says so: 505 for a version
// other than HTTP/1.0 and 1.1; 501 for CONNECT (llhttp takes what follows as a tunnel); 400 for
// an HTTP/1.1 request without Host, a second Host, a Host that is no host[:port] (RFC 9112
// section 3.2) and an HTTP/1.0 request with Transfer-Encoding, whose framing is faulty (section
// 6.1). Status 0 and no cause when the head may go.
struct HeadRefusal {
  int status = 0;
  const char* cause = nullptr;
};
HeadRefusal request_head_error(const MessageHead& request);

std::string_view status_reason(int status);

// Writes the hex size line of a chunk into `buf` (at least 20 bytes); returns its length.
size_t write_chunk_size(char* buf, size_t size);

}  // namespace reprise::http
