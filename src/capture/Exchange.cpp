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

}  // namespace reprise::capture
