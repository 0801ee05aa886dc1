#include "capture/Exchange.hpp"

namespace reprise::capture {

void Stream::add(const StreamEvent& e) {
  // An SSE event costs the body bytes it covers; a tunnel keeps no body, so a frame costs its entry.
  uint64_t cost = kind == "websocket" ? sizeof(StreamEvent) : e.bytes;
  if (unlisted == 0 && (byte_limit == 0 || listed_bytes + cost <= byte_limit)) {
    events.push_back(e);
    listed_bytes += cost;
  } else {
    ++unlisted;
  }
}

HeaderList header_list(const http::MessageHead& head) {
  HeaderList out;
  out.reserve(head.headers.size());
  for (const auto& h : head.headers) out.emplace_back(h.name, h.value);
  return out;
}

void parse_raw_heads(Exchange& x, http::MessageParser& request, http::MessageParser& response) {
  if (!x.raw_request_head.empty() && !request.parse_head(x.raw_request_head)) {
    const auto& h = request.head();
    x.req.method = h.method;
    x.req.target = h.target;
    x.req.version = std::to_string(h.version_major) + "." + std::to_string(h.version_minor);
    x.req.headers = header_list(h);
  }
  if (x.res && !x.raw_response_head.empty() && !response.parse_head(x.raw_response_head)) {
    x.res->status = response.head().status;
    x.res->headers = header_list(response.head());
  }
}

}  // namespace reprise::capture
