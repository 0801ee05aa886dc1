#include "capture/CaptureFormat.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "InputError.hpp"
#include "capture/JsonText.hpp"

namespace reprise::capture {
namespace {

using Json = nlohmann::ordered_json;
namespace base64 = boost::beast::detail::base64;
using namespace std::string_view_literals;

void append_headers(std::string& out, const HeaderList& headers) {
  out.append("\"headers\":["sv);
  for (size_t i = 0; i < headers.size(); ++i) {
    out.append(i ? ",["sv : "["sv);
    append_json_string(out, headers[i].first);
    out.push_back(',');
    append_json_string(out, headers[i].second);
    out.push_back(']');
  }
  out.push_back(']');
}

// A body is text when it is UTF-8, else base64; a cut body says so and gives its whole size.
void append_body(std::string& out, const Body& body) {
  if (body.size == 0) return;
  if (is_utf8(body.data)) {
    out.append(",\"body\":"sv);
    append_json_string(out, body.data);
  } else {
    std::string encoded(base64::encoded_size(body.data.size()), '\0');
    encoded.resize(base64::encode(encoded.data(), body.data.data(), body.data.size()));
    out.append(",\"body_b64\":\""sv).append(encoded).push_back('"');
  }
  if (body.truncated()) {
    out.append(",\"body_truncated\":true,\"body_size\":"sv);
    append_json_int(out, body.size);
  }
}

void append_stream(std::string& out, const Stream& stream) {
  bool websocket = stream.kind == "websocket";
  out.append(",\"stream\":{\"kind\":"sv);
  append_json_string(out, stream.kind);
  out.append(",\"events\":["sv);
  for (size_t i = 0; i < stream.events.size(); ++i) {
    const auto& e = stream.events[i];
    out.append(i ? ",{\"t_us\":"sv : "{\"t_us\":"sv);
    append_json_int(out, e.t_us);
    out.append(",\"bytes\":"sv);
    append_json_int(out, e.bytes);
    if (websocket) out.append(e.dir == 'u' ? ",\"dir\":\"up\""sv : ",\"dir\":\"down\""sv);
    out.push_back('}');
  }
  out.push_back(']');
  if (stream.unlisted) {
    out.append(",\"events_truncated\":true,\"events_count\":"sv);
    append_json_int(out, static_cast<int64_t>(stream.count()));
  }
  out.push_back('}');
}

struct Place {
  const std::string& file;
  size_t line;
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw InputError(file, "line " + std::to_string(line) + (field.empty() ? "" : ", field " + field), problem);
  }
};

const nlohmann::json& member(const nlohmann::json& j, const char* key, const Place& at, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end()) at.fail(path + key, "missing");
  return *it;
}

// Numbers are checked, never converted: a negative count, a fraction or a value out of the
// type's range is an error, not a wrapped or rounded guess.
template <typename T>
T get(const nlohmann::json& j, const char* key, const Place& at, const std::string& path) {
  const auto& v = member(j, key, at, path);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) at.fail(path + key, "must be a string");
    return v.get<std::string>();
  } else if constexpr (std::is_unsigned_v<T>) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      at.fail(path + key, "must be a whole number, 0 or more");
    return v.get<T>();
  } else {
    static_assert(std::is_integral_v<T> && std::is_signed_v<T>);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX)))
      at.fail(path + key, "must be a whole number");
    int64_t n = v.get<int64_t>();
    if (n < std::numeric_limits<T>::min() || n > std::numeric_limits<T>::max()) at.fail(path + key, "is out of range");
    return static_cast<T>(n);
  }
}

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T fallback, const Place& at, const std::string& path) {
  return j.contains(key) ? get<T>(j, key, at, path) : fallback;
}

HeaderList headers_from(const nlohmann::json& j, const Place& at, const std::string& path) {
  HeaderList out;
  const auto& list = member(j, "headers", at, path);
  if (!list.is_array()) at.fail(path + "headers", "must be a list of [name, value] pairs");
  for (const auto& pair : list) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
      at.fail(path + "headers", "must be a list of [name, value] pairs");
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

Body body_from(const nlohmann::json& j, const Place& at, const std::string& path) {
  Body b;
  if (j.contains("body")) {
    b.data = get<std::string>(j, "body", at, path);
  } else if (j.contains("body_b64")) {
    auto text = get<std::string>(j, "body_b64", at, path);
    b.data.resize(base64::decoded_size(text.size()));
    auto [written, read] = base64::decode(b.data.data(), text.data(), text.size());
    size_t unpadded = text.find_last_not_of('=') + 1;  // Beast stops at the padding
    if (read < unpadded || text.size() - unpadded > 2) at.fail(path + "body_b64", "is not base64");
    b.data.resize(written);
  }
  b.size = get_or<uint64_t>(j, "body_size", b.data.size(), at, path);
  if (b.size < b.data.size()) at.fail(path + "body_size", "is smaller than the body");
  return b;
}

}  // namespace

void append_line(std::string& out, const CaptureHeader& h) {
  Json j = {{"reprise_capture", h.version}, {"created", h.created}, {"source", h.source}};
  if (!h.upstream.empty()) j["upstream"] = h.upstream;
  if (!h.scheme.empty()) j["scheme"] = h.scheme;
  j["redaction"] = h.redaction;
  if (h.body_limit) j["body_limit"] = h.body_limit;
  out.append(j.dump()).push_back('\n');
}

void append_line(std::string& out, const Exchange& x) {
  out.append("{\"id\":"sv);
  append_json_int(out, x.id);
  out.append(",\"session\":"sv);
  append_json_string(out, x.session);
  if (!x.client.empty()) {
    out.append(",\"client\":"sv);
    append_json_string(out, x.client);
  }
  if (!x.page.empty()) {
    out.append(",\"page\":"sv);
    append_json_string(out, x.page);
  }
  out.append(",\"t_us\":"sv);
  append_json_int(out, x.t_us);
  out.append(",\"req\":{\"method\":"sv);
  append_json_string(out, x.req.method);
  out.append(",\"target\":"sv);
  append_json_string(out, x.req.target);
  out.append(",\"version\":"sv);
  append_json_string(out, x.req.version);
  out.push_back(',');
  append_headers(out, x.req.headers);
  append_body(out, x.req.body);
  out.push_back('}');
  if (x.res) {
    out.append(",\"res\":{\"status\":"sv);
    append_json_int(out, x.res->status);
    out.push_back(',');
    append_headers(out, x.res->headers);
    append_body(out, x.res->body);
    out.append(",\"ttfb_us\":"sv);
    append_json_int(out, x.res->ttfb_us);
    out.append(",\"dur_us\":"sv);
    append_json_int(out, x.res->dur_us);
    out.push_back('}');
  }
  if (x.stream) append_stream(out, *x.stream);
  out.append("}\n"sv);
}

void append_gap_line(std::string& out, uint64_t dropped, int64_t t_us) {
  out.append(Json{{"dropped_records", dropped}, {"t_us", t_us}}.dump()).push_back('\n');
}

bool is_gap(const nlohmann::json& j) { return j.is_object() && j.contains("dropped_records"); }

CaptureHeader header_from_json(const nlohmann::json& j, const std::string& file, size_t line) {
  Place at{file, line};
  if (!j.is_object() || !j.contains("reprise_capture")) at.fail("", "not a reprise capture (no reprise_capture header)");
  CaptureHeader h;
  h.version = get<int>(j, "reprise_capture", at, "");
  if (h.version != 1) at.fail("reprise_capture", "version " + std::to_string(h.version) + " is not supported");
  h.created = get_or<std::string>(j, "created", "", at, "");
  h.source = get_or<std::string>(j, "source", "", at, "");
  h.upstream = get_or<std::string>(j, "upstream", "", at, "");
  h.scheme = get_or<std::string>(j, "scheme", "", at, "");
  if (!h.scheme.empty() && h.scheme != "http" && h.scheme != "https") at.fail("scheme", "must be \"http\" or \"https\"");
  if (h.scheme == "http") h.scheme.clear();  // the default, said or not
  h.redaction = get_or<std::string>(j, "redaction", "default", at, "");
  h.body_limit = get_or<uint64_t>(j, "body_limit", 0, at, "");
  return h;
}

Exchange exchange_from_json(const nlohmann::json& j, const std::string& file, size_t line) {
  Place at{file, line};
  if (!j.is_object()) at.fail("", "not a JSON object");
  Exchange x;
  x.id = get<uint64_t>(j, "id", at, "");
  x.session = get<std::string>(j, "session", at, "");
  x.client = get_or<std::string>(j, "client", "", at, "");
  x.page = get_or<std::string>(j, "page", "", at, "");
  x.t_us = get<int64_t>(j, "t_us", at, "");
  const auto& req = member(j, "req", at, "");
  x.req.method = get<std::string>(req, "method", at, "req.");
  x.req.target = get<std::string>(req, "target", at, "req.");
  x.req.version = get_or<std::string>(req, "version", "1.1", at, "req.");
  x.req.headers = headers_from(req, at, "req.");
  x.req.body = body_from(req, at, "req.");
  if (j.contains("res")) {
    const auto& res = j["res"];
    Response r;
    r.status = get<int>(res, "status", at, "res.");
    if (r.status < 100 || r.status > 999) at.fail("res.status", "is not an HTTP status");
    r.headers = headers_from(res, at, "res.");
    r.body = body_from(res, at, "res.");
    r.ttfb_us = get_or<int64_t>(res, "ttfb_us", 0, at, "res.");
    r.dur_us = get_or<int64_t>(res, "dur_us", 0, at, "res.");
    x.res = std::move(r);
  }
  if (j.contains("stream")) {
    const auto& s = j["stream"];
    Stream st;
    st.kind = get<std::string>(s, "kind", at, "stream.");
    if (st.kind != "sse" && st.kind != "websocket") at.fail("stream.kind", "must be sse or websocket");
    const auto& events = member(s, "events", at, "stream.");
    if (!events.is_array()) at.fail("stream.events", "must be a list");
    for (const auto& e : events) {
      StreamEvent ev;
      ev.t_us = get<int64_t>(e, "t_us", at, "stream.events.");
      ev.bytes = get<uint64_t>(e, "bytes", at, "stream.events.");
      std::string dir = get_or<std::string>(e, "dir", "down", at, "stream.events.");
      if (dir != "up" && dir != "down") at.fail("stream.events.dir", "must be up or down");
      ev.dir = dir == "up" ? 'u' : 'd';
      st.events.push_back(ev);
    }
    // Like body_size, the count decides; events_truncated is for people reading the line.
    auto count = get_or<uint64_t>(s, "events_count", st.events.size(), at, "stream.");
    if (count < st.events.size()) at.fail("stream.events_count", "is less than the events listed");
    st.unlisted = count - st.events.size();
    x.stream = std::move(st);
  }
  return x;
}

}  // namespace reprise::capture
