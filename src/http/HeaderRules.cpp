#include "http/HeaderRules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace reprise::http {
namespace {

constexpr std::array<std::string_view, 6> kHopByHop = {"connection", "keep-alive",        "te",
                                                       "trailer",    "transfer-encoding", "upgrade"};

// "Name: value\r\n", made room for once: a head is dozens of these on the proxy's hot path.
void append_header(std::string& out, std::string_view name, std::string_view value) {
  const size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = std::copy(name.begin(), name.end(), out.data() + at);
  *p++ = ':';
  *p++ = ' ';
  p = std::copy(value.begin(), value.end(), p);
  *p++ = '\r';
  *p = '\n';
}

void append_int(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

// Copies the end-to-end headers, joining every X-Forwarded-For and Via into one value each
// so that this hop can append itself.
void copy_end_to_end(std::string& out, const MessageHead& head, std::string& xff, std::string& via,
                     bool& has_proto) {
  // Connection is a list that may be split over several lines: every line names hop-by-hop headers.
  thread_local std::string connection;
  connection.clear();
  for (const auto& h : head.headers)
    if (iequals(h.name, "connection")) connection.append(connection.empty() ? "" : ",").append(h.value);
  for (const auto& h : head.headers) {
    if (is_hop_by_hop(h.name, connection)) continue;
    if (iequals(h.name, "x-forwarded-for")) {
      xff.append(xff.empty() ? "" : ", ").append(h.value);
      continue;
    }
    if (iequals(h.name, "via")) {
      via.append(via.empty() ? "" : ", ").append(h.value);
      continue;
    }
    if (iequals(h.name, "x-forwarded-proto")) has_proto = true;
    append_header(out, h.name, h.value);
  }
}

void append_via(std::string& out, std::string& via, const ForwardingHeaders& fwd) {
  if (fwd.via) via.append(via.empty() ? "" : ", ").append("1.1 reprise");
  if (!via.empty()) append_header(out, "Via", via);
}

void append_upgrade(std::string& out, const MessageHead& head) {
  append_header(out, "Connection", "upgrade");
  append_header(out, "Upgrade", head.header("upgrade"));
}

}  // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection) {
  for (auto h : kHopByHop)
    if (iequals(name, h)) return true;
  if (istarts_with(name, "proxy-")) return true;
  // Connection may not strip the message's framing or its target: a client naming
  // Content-Length there would otherwise turn its body into a second, smuggled request.
  if (iequals(name, "content-length") || iequals(name, "host")) return false;
  return !connection.empty() && has_token(connection, name);
}

void write_request_head(std::string& out, const MessageHead& head, std::string_view client_ip,
                        const ForwardingHeaders& fwd, bool upgrade) {
  out.clear();
  out.append(head.method).append(" ").append(head.target).append(" HTTP/1.1\r\n");
  // HTTP/1.1 requires a Host (RFC 9112 section 3.2): a server answers 400 to a request without.
  if (std::none_of(head.headers.begin(), head.headers.end(),
                   [](const Header& h) { return iequals(h.name, "host"); }))
    append_header(out, "Host", fwd.host);
  thread_local std::string xff, via;
  xff.clear();
  via.clear();
  bool has_proto = false;
  copy_end_to_end(out, head, xff, via, has_proto);
  if (fwd.x_forwarded_for) xff.append(xff.empty() ? "" : ", ").append(client_ip);
  if (!xff.empty()) append_header(out, "X-Forwarded-For", xff);
  if (fwd.x_forwarded_proto && !has_proto) append_header(out, "X-Forwarded-Proto", fwd.proto);
  append_via(out, via, fwd);
  if (head.body == BodyKind::chunked) append_header(out, "Transfer-Encoding", "chunked");
  if (upgrade) append_upgrade(out, head);
  out.append("\r\n");
}

void write_response_head(std::string& out, const MessageHead& head, bool chunked, bool close,
                         const ForwardingHeaders& fwd, bool upgrade, bool client_http10) {
  out.clear();
  out.append(client_http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_int(out, static_cast<uint64_t>(head.status));
  out.append(" ").append(head.reason.empty() ? status_reason(head.status) : head.reason).append("\r\n");
  thread_local std::string xff, via;
  xff.clear();
  via.clear();
  bool has_proto = false;
  copy_end_to_end(out, head, xff, via, has_proto);
  if (!xff.empty()) append_header(out, "X-Forwarded-For", xff);
  append_via(out, via, fwd);
  if (chunked) append_header(out, "Transfer-Encoding", "chunked");
  if (upgrade)
    append_upgrade(out, head);
  else if (close)
    append_header(out, "Connection", "close");
  else if (client_http10)
    append_header(out, "Connection", "keep-alive");
  out.append("\r\n");
}

void write_plain_response(std::string& out, int status, std::string_view body, bool close) {
  out.clear();
  out.append("HTTP/1.1 ");
  append_int(out, static_cast<uint64_t>(status));
  out.append(" ").append(status_reason(status)).append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  append_int(out, body.size());
  out.append(close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n").append(body);
}

namespace {

// uri-host [ ":" port ]: an IP-literal in brackets or reg-name / IPv4 characters; empty is allowed
// (RFC 9110 section 7.2: no authority).
bool valid_host(std::string_view v) {
  if (v.empty()) return true;
  std::string_view host = v, port;
  if (v.front() == '[') {
    size_t close = v.find(']');
    if (close == std::string_view::npos) return false;
    host = v.substr(1, close - 1);
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return false;
  } else {
    size_t colon = v.rfind(':');
    if (colon != std::string_view::npos) host = v.substr(0, colon), port = v.substr(colon + 1);
    constexpr std::string_view kHostChars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%";
    if (host.empty() || host.find_first_not_of(kHostChars) != std::string_view::npos) return false;
  }
  return port.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

HeadRefusal request_head_error(const MessageHead& request) {
  if (request.version_major != 1 || request.version_minor > 1)
    return {505, "only HTTP/1.0 and HTTP/1.1 are proxied"};
  if (request.method == "CONNECT") return {501, "CONNECT is not supported by a reverse proxy"};
  size_t hosts = 0;
  bool transfer_encoding = false;
  for (const auto& h : request.headers) {
    if (iequals(h.name, "host")) {
      if (++hosts > 1) return {400, "more than one Host header (RFC 9112 section 3.2)"};
      if (!valid_host(h.value)) return {400, "a Host that is not host[:port] (RFC 9112 section 3.2)"};
    }
    transfer_encoding |= iequals(h.name, "transfer-encoding");
  }
  const bool http11 = request.version_major == 1 && request.version_minor == 1;
  if (http11 && hosts == 0) return {400, "an HTTP/1.1 request without Host (RFC 9112 section 3.2)"};
  if (request.version_major == 1 && request.version_minor == 0 && transfer_encoding)
    return {400, "an HTTP/1.0 request with Transfer-Encoding: its framing is faulty (RFC 9112 section 6.1)"};
  return {};
}

void write_error_response(std::string& out, int status, std::string_view cause, bool close) {
  write_plain_response(out, status, "reprise: " + std::string(cause) + "\n", close);
}

std::string_view status_reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 418:
      return "I'm a teapot";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 501:
      return "Not Implemented";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

size_t write_chunk_size(char* buf, size_t size) {
  auto res = std::to_chars(buf, buf + 16, size, 16);
  res.ptr[0] = '\r';
  res.ptr[1] = '\n';
  return static_cast<size_t>(res.ptr + 2 - buf);
}

}  // namespace reprise::http
