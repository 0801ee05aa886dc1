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

void RawHead::assign(std::string_view raw, const http::MessageHead& parsed) {
  bytes.assign(raw);
  fields.clear();
  parse = false;
  const auto begin = reinterpret_cast<uintptr_t>(raw.data());
  uint32_t at[2];
  auto inside = [&](std::string_view part, uint32_t& offset) {
    const auto p = reinterpret_cast<uintptr_t>(part.data());
    offset = part.empty() ? 0 : static_cast<uint32_t>(p - begin);
    return part.empty() || (p >= begin && p - begin + part.size() <= raw.size());
  };
  for (const auto& h : parsed.headers) {
    if (!inside(h.name, at[0]) || !inside(h.value, at[1])) {
      parse = true;  // a view into the parser's own copy of the head
      fields.clear();
      return;
    }
    fields.push_back(
        {at[0], static_cast<uint32_t>(h.name.size()), at[1], static_cast<uint32_t>(h.value.size())});
  }
}

Response& emplace_response(Exchange& x) {
  Response& r = x.res.emplace();
  r.body.data = std::move(x.spare_body);
  r.body.data.clear();
  return r;
}

void set_request_line(Request& req, const http::MessageHead& head) {
  req.method.assign(head.method);
  req.target.assign(head.target);
  auto digit = [](int d) { return static_cast<char>('0' + d); };  // llhttp reads one digit each
  const char version[] = {digit(head.version_major), '.', digit(head.version_minor)};
  req.version.assign(version, sizeof version);
}

namespace {

// The headers of `raw` as a list: copied out by its spans, else parsed again (then the parsed
// head, or null when it does not parse: no headers). No raw head: `out` stays as it is.
const http::MessageHead* read_fields(const RawHead& raw, HeaderList& out, http::MessageParser& parser) {
  if (raw.empty()) return nullptr;
  if (!raw.parse) {
    out.resize(raw.fields.size());  // the strings already there keep their memory
    for (size_t i = 0; i < out.size(); ++i) {
      const FieldSpan& f = raw.fields[i];
      out[i].first.assign(raw.bytes, f.name_at, f.name_size);
      out[i].second.assign(raw.bytes, f.value_at, f.value_size);
    }
    return nullptr;
  }
  out.clear();
  if (parser.parse_head(raw.bytes)) return nullptr;
  out = header_list(parser.head());
  return &parser.head();
}

}  // namespace

void parse_raw_heads(Exchange& x, http::MessageParser& request, http::MessageParser& response) {
  if (const auto* h = read_fields(x.raw_request_head, x.req.headers, request)) {
    set_request_line(x.req, *h);
  }
  if (!x.res) return;
  if (const auto* h = read_fields(x.raw_response_head, x.res->headers, response)) x.res->status = h->status;
}

}  // namespace reprise::capture
