// Reading HAR 1.2 into exchanges (Har.hpp): which session, page and stream each entry is, besides
// its request and answer. Every problem is an InputError naming the JSON path of the offending
// value.
#include "importers/Har.hpp"

#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>
#include <cctype>
#include <cmath>
#include <fstream>

#include "InputError.hpp"
#include "JsonFile.hpp"
#include "capture/SseEvents.hpp"
#include "http/EventStream.hpp"
#include "http/MessageHead.hpp"
#include "http/PercentEncoding.hpp"

namespace reprise::importers {
namespace {

using Json = nlohmann::json;
namespace base64 = boost::beast::detail::base64;

// Where a value sits in the document, for error messages: "log.entries[3].request.url".
struct At {
  const std::string& file;
  std::string path;
  At operator/(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  At operator[](size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  [[noreturn]] void fail(const std::string& problem) const { throw InputError(file, path, problem); }
};

const Json* find(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

const Json& need(const Json& j, const char* key, const At& at, Json::value_t type) {
  const Json* v = find(j, key);
  if (!v) (at / key).fail("missing");
  bool ok = v->type() == type || (type == Json::value_t::number_float && v->is_number());
  if (!ok)
    (at / key).fail(std::string("must be ") + (type == Json::value_t::string   ? "a string"
                                               : type == Json::value_t::object ? "an object"
                                               : type == Json::value_t::array  ? "a list"
                                                                               : "a number"));
  return *v;
}

std::string need_string(const Json& j, const char* key, const At& at) {
  return need(j, key, at, Json::value_t::string).get<std::string>();
}

std::string string_or(const Json& j, const char* key, const At& at, std::string fallback) {
  return find(j, key) ? need_string(j, key, at) : std::move(fallback);
}

// A time in milliseconds; past a trillion (31 years) it is refused, so that times and their sums
// fit in microseconds.
double ms_or(const Json& j, const char* key, const At& at, double fallback) {
  if (!find(j, key)) return fallback;
  double ms = need(j, key, at, Json::value_t::number_float).get<double>();
  if (ms > 1e12) (at / key).fail("is more than 1e12 milliseconds");
  return ms;
}

bool is_whole(const Json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// A whole number that fits in int64_t, negative or not.
bool is_int64(const Json& v) {
  return v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX));
}

int64_t ms_to_us(double ms) { return std::llround(ms * 1000.0); }

std::string decode_base64(const std::string& text, const At& at) {
  std::string out(base64::decoded_size(text.size()), '\0');
  auto [written, read] = base64::decode(out.data(), text.data(), text.size());
  if (read != text.size()) at.fail("is not base64");
  out.resize(written);
  return out;
}

// application/x-www-form-urlencoded, for postData.params without text.
std::string form_encode(const std::string& s) {
  std::string out;
  http::append_url_encoded(out, s, http::UrlPart::query);
  return out;
}

capture::HeaderList headers_from(const Json& parent, const At& at) {
  capture::HeaderList out;
  const Json* list = find(parent, "headers");
  if (!list) return out;
  if (!list->is_array()) (at / "headers").fail("must be a list");
  for (size_t i = 0; i < list->size(); ++i) {
    At here = (at / "headers")[i];
    out.emplace_back(need_string((*list)[i], "name", here), need_string((*list)[i], "value", here));
  }
  return out;
}

// HTTP/2 pseudo-headers go; :authority becomes Host (where it stood) unless Host is present.
void drop_pseudo_headers(capture::HeaderList& headers) {
  bool has_host =
      std::any_of(headers.begin(), headers.end(), [](auto& h) { return http::iequals(h.first, "host"); });
  capture::HeaderList out;
  for (auto& [name, value] : headers) {
    if (name.starts_with(':')) {
      if (name == ":authority" && !has_host) out.emplace_back("Host", std::move(value));
      has_host = has_host || name == ":authority";
      continue;
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  headers = std::move(out);
}

std::string version_from(const std::string& v, uint64_t& other_versions) {
  std::string l = v;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "http/1.1") return "1.1";
  if (l == "http/1.0") return "1.0";
  ++other_versions;
  return "1.1";
}

capture::Body body_with_size(std::string data, const Json& parent, const At& at) {
  capture::Body b;
  b.data = std::move(data);
  b.size = b.data.size();
  if (const Json* r = find(parent, "_reprise"); r && find(*r, "body_size")) {
    const Json& size = (*r)["body_size"];
    if (!is_whole(size)) (at / "_reprise" / "body_size").fail("must be a whole number");
    b.size = size.get<uint64_t>();
    if (b.size < b.data.size()) (at / "_reprise" / "body_size").fail("is smaller than the body");
  }
  return b;
}

capture::Body request_body(const Json& req, const At& at) {
  const Json* post = find(req, "postData");
  std::string data;
  if (post) {
    At p = at / "postData";
    if (!post->is_object()) p.fail("must be an object");
    if (find(*post, "text")) {
      data = need_string(*post, "text", p);
      std::string enc = string_or(*post, "_encoding", p, string_or(*post, "encoding", p, ""));
      if (enc == "base64") data = decode_base64(data, p / "text");
    } else if (const Json* params = find(*post, "params")) {
      if (!params->is_array()) (p / "params").fail("must be a list");
      for (size_t i = 0; i < params->size(); ++i) {
        At here = (p / "params")[i];
        if (!data.empty()) data += '&';
        data += form_encode(need_string((*params)[i], "name", here)) + "=" +
                form_encode(string_or((*params)[i], "value", here, ""));
      }
    }
  }
  return body_with_size(std::move(data), req, at);
}

capture::Request request_from(const Json& req, const At& at, uint64_t& other_versions, bool& https) {
  capture::Request r;
  r.method = need_string(req, "method", at);
  if (r.method.empty()) (at / "method").fail("is empty");
  std::string authority;
  const std::string& url = need_string(req, "url", at);
  if (auto problem = split_url(url, authority, r.target); !problem.empty())
    (at / "url").fail(problem);
  if (url.starts_with("https://")) https = true;
  const Json* extra = find(req, "_reprise");
  if (extra && find(*extra, "target")) r.target = need_string(*extra, "target", at / "_reprise");
  r.version = version_from(string_or(req, "httpVersion", at, ""), other_versions);
  r.headers = headers_from(req, at);
  drop_pseudo_headers(r.headers);
  bool has_host =
      std::any_of(r.headers.begin(), r.headers.end(), [](auto& h) { return http::iequals(h.first, "host"); });
  bool keep_as_is = extra && find(*extra, "host_header") && (*extra)["host_header"] == false;
  if (!has_host && !authority.empty() && !keep_as_is)
    r.headers.insert(r.headers.begin(), {"Host", authority});
  r.body = request_body(req, at);
  return r;
}

// ttfb is every phase before `receive` (blocked, dns, connect, send, wait; -1 means "does not
// apply"), so it counts from the request's start as the capture's does; dur is `time`.
std::optional<capture::Response> response_from(const Json& entry, const At& at) {
  const Json& res = need(entry, "response", at, Json::value_t::object);
  At r = at / "response";
  const Json& status = need(res, "status", r, Json::value_t::number_float);
  if (!status.is_number_integer()) (r / "status").fail("must be a whole number");
  if (status.get<int64_t>() == 0) return std::nullopt;  // HAR's "no response" (blocked, aborted)
  capture::Response out;
  if (status.get<int64_t>() < 100 || status.get<int64_t>() > 999)
    (r / "status").fail("is not an HTTP status");
  out.status = status.get<int>();
  out.headers = headers_from(res, r);
  drop_pseudo_headers(out.headers);
  std::string data;
  if (const Json* content = find(res, "content"); content && find(*content, "text")) {
    At c = r / "content";
    data = need_string(*content, "text", c);
    if (string_or(*content, "encoding", c, "") == "base64") data = decode_base64(data, c / "text");
  }
  out.body = body_with_size(std::move(data), res, r);
  double before_receive = 0, total = 0;
  if (const Json* t = find(entry, "timings")) {
    for (const char* phase : {"blocked", "dns", "connect", "send", "wait", "receive"}) {
      double v = ms_or(*t, phase, at / "timings", -1);
      if (v < 0) continue;
      total += v;
      if (std::string_view(phase) != "receive") before_receive += v;
    }
  }
  double time = ms_or(entry, "time", at, -1);
  out.ttfb_us = ms_to_us(before_receive);
  out.dur_us = ms_to_us(time >= 0 ? time : total);
  return out;
}

std::optional<capture::Stream> stream_from(const Json& extra, const At& at) {
  const Json* s = find(extra, "stream");
  if (!s) return std::nullopt;
  At st = at / "stream";
  capture::Stream out;
  out.kind = need_string(*s, "kind", st);
  if (out.kind != "sse" && out.kind != "websocket") (st / "kind").fail("must be sse or websocket");
  const Json& events = need(*s, "events", st, Json::value_t::array);
  for (size_t i = 0; i < events.size(); ++i) {
    At e = (st / "events")[i];
    capture::StreamEvent ev;
    const Json& t_us = need(events[i], "t_us", e, Json::value_t::number_float);
    if (!is_int64(t_us)) (e / "t_us").fail("must be a whole number");
    const Json& bytes = need(events[i], "bytes", e, Json::value_t::number_float);
    if (!is_whole(bytes)) (e / "bytes").fail("must be a whole number, 0 or more");
    ev.t_us = t_us.get<int64_t>();
    ev.bytes = bytes.get<uint64_t>();
    ev.dir = string_or(events[i], "dir", e, "down") == "up" ? 'u' : 'd';
    out.events.push_back(ev);
  }
  if (const Json* count = find(*s, "events_count")) {
    if (!is_whole(*count) || count->get<uint64_t>() < out.events.size())
      (st / "events_count").fail("must be a whole number, no less than the events listed");
    out.unlisted = count->get<uint64_t>() - out.events.size();
  }
  return out;
}

// An entry's `connection` or `pageref`: a string, or a number (some tools write ports); "" when absent.
std::string name_of(const Json& entry, const char* key, const At& at) {
  const Json* v = find(entry, key);
  if (!v) return {};
  if (v->is_number()) return v->dump();
  if (!v->is_string()) (at / key).fail("must be a string");
  return v->get<std::string>();
}

// The page load an entry belongs to: its pageref, or the page a reprise export kept.
std::string page_of(const Json& entry, const At& at) {
  std::string page = name_of(entry, "pageref", at);
  if (const Json* extra = find(entry, "_reprise"); page.empty() && extra)
    page = string_or(*extra, "page", at / "_reprise", "");
  return page;
}

// The session key: the connection within its page load (a browser reuses a connection for the
// next page, which is another user), the page alone, the connection alone, or "har".
std::string session_of(const Json& entry, const At& at) {
  std::string connection = name_of(entry, "connection", at), page = name_of(entry, "pageref", at);
  if (page.empty()) return connection.empty() ? "har" : connection;
  return connection.empty() ? page : page + "/" + connection;
}

// A browser's HAR marks an EventSource by its answer's type (or Chrome's _resourceType), and
// often keeps no body: its `time` is how long the stream was open. Its events are counted from
// the body when there is one; HAR gives them no times, so each is put at the first byte.
bool is_event_stream_entry(const Json& entry, const capture::Response& res) {
  if (const Json* type = find(entry, "_resourceType"); type && *type == "eventsource" && res.status / 100 == 2)
    return true;  // a failed EventSource is an answer, not a stream
  const Json* response = find(entry, "response");
  const Json* content = response ? find(*response, "content") : nullptr;
  const Json* mime = content ? find(*content, "mimeType") : nullptr;
  if (mime && mime->is_string() && http::is_event_stream(mime->get<std::string>())) return true;
  for (const auto& [name, value] : res.headers)
    if (http::iequals(name, "content-type") && http::is_event_stream(value)) return true;
  return false;
}

capture::Stream sse_stream_of(const capture::Response& res) {
  capture::Stream stream{"sse", {}, 0, 0};
  capture::SseEvents().feed(res.body.data, res.ttfb_us, stream);
  return stream;
}

capture::Exchange exchange_from(const Json& entry, const At& at, size_t index, int64_t t_us,
                                HarCapture& out) {
  if (!entry.is_object()) at.fail("must be an object");
  capture::Exchange x;
  x.id = index + 1;
  x.t_us = t_us;
  x.session = session_of(entry, at);
  x.page = page_of(entry, at);
  bool https = false;
  x.req = request_from(need(entry, "request", at, Json::value_t::object), at / "request", out.other_versions, https);
  if (https) out.header.scheme = "https";
  x.res = response_from(entry, at);
  if (const Json* extra = find(entry, "_reprise")) {
    if (const Json* id = find(*extra, "id")) {
      if (!is_whole(*id)) (at / "_reprise" / "id").fail("must be a whole number");
      x.id = id->get<uint64_t>();
    }
    x.stream = stream_from(*extra, at / "_reprise");
    x.client = string_or(*extra, "client", at / "_reprise", "");
  }
  if (!x.stream && x.res && is_event_stream_entry(entry, *x.res)) {
    x.stream = sse_stream_of(*x.res);
    x.session += "/sse-" + std::to_string(x.id);  // a flow of its own: held open, it holds up no call
  }
  return x;
}

}  // namespace

std::string split_url(const std::string& url, std::string& authority, std::string& target) {
  std::string_view rest = std::string_view(url).substr(0, url.find('#'));
  authority.clear();
  if (!rest.starts_with("/")) {
    size_t scheme = rest.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return "is not an absolute URL";
    rest.remove_prefix(scheme + 3);
    size_t path = rest.find_first_of("/?");
    std::string_view auth = rest.substr(0, path);
    if (size_t user = auth.rfind('@'); user != std::string_view::npos) auth.remove_prefix(user + 1);
    if (auth.empty()) return "has no host";
    authority = auth;
    rest = path == std::string_view::npos ? std::string_view{} : rest.substr(path);
  }
  target = rest.starts_with("/") ? std::string(rest) : "/" + std::string(rest);
  return {};
}

HarCapture har_to_capture(const nlohmann::json& har, const std::string& file) {
  At root{file, ""};
  if (!har.is_object()) root.fail("not a HAR document (the top level must be an object with \"log\")");
  const Json& log = need(har, "log", root, Json::value_t::object);
  At at = root / "log";
  const Json& entries = need(log, "entries", at, Json::value_t::array);
  std::vector<int64_t> started(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    At e = (at / "entries")[i];
    if (!entries[i].is_object()) e.fail("must be an object");
    if (!parse_iso8601(need_string(entries[i], "startedDateTime", e), started[i]))
      (e / "startedDateTime").fail("is not an ISO-8601 date and time");
  }
  HarCapture out;
  out.header.source = "har";
  int64_t base = started.empty() ? 0 : *std::min_element(started.begin(), started.end());
  out.header.created = format_iso8601(base);
  if (const Json* extra = find(log, "_reprise")) {  // a HAR reprise wrote: the capture's own start
    int64_t created = 0;
    std::string text = string_or(*extra, "created", at / "_reprise", "");
    if (parse_iso8601(text, created)) {
      base = created;
      out.header.created = text;
    }
    out.header.upstream = string_or(*extra, "upstream", at / "_reprise", "");
    if (const Json* limit = find(*extra, "body_limit")) {
      if (!is_whole(*limit)) (at / "_reprise" / "body_limit").fail("must be a whole number");
      out.header.body_limit = limit->get<uint64_t>();
    }
  }
  for (size_t i = 0; i < entries.size(); ++i)
    out.exchanges.push_back(exchange_from(entries[i], (at / "entries")[i], i, started[i] - base, out));
  return out;
}

HarCapture read_har(const std::string& path) {
  Json har = read_json_file(path);
  return har_to_capture(har, path);
}

}  // namespace reprise::importers
