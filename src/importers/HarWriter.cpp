// Writing exchanges as HAR 1.2 entries (Har.hpp). What HAR has no field for goes under
// "_reprise" keys; readers of HAR ignore keys that start with "_", and Har.cpp reads them back.
#include <algorithm>
#include <boost/beast/core/detail/base64.hpp>

#include "capture/JsonText.hpp"
#include "http/HeaderRules.hpp"
#include "http/MessageHead.hpp"
#include "importers/Har.hpp"

namespace reprise::importers {
namespace {

using capture::is_utf8;
using OrderedJson = nlohmann::ordered_json;
namespace base64 = boost::beast::detail::base64;

std::string encode_base64(const std::string& data) {
  std::string out(base64::encoded_size(data.size()), '\0');
  out.resize(base64::encode(out.data(), data.data(), data.size()));
  return out;
}

std::string header_value(const capture::HeaderList& headers, std::string_view name, bool& found) {
  for (const auto& [n, v] : headers)
    if (http::iequals(n, name)) {
      found = true;
      return v;
    }
  found = false;
  return {};
}

std::string header_value(const capture::HeaderList& headers, std::string_view name) {
  bool found = false;
  return header_value(headers, name, found);
}

OrderedJson headers_json(const capture::HeaderList& headers) {
  OrderedJson out = OrderedJson::array();
  for (const auto& [name, value] : headers) out.push_back({{"name", name}, {"value", value}});
  return out;
}

// The query as HAR lists it: raw name=value pairs, in order, not decoded.
OrderedJson query_json(const std::string& target) {
  OrderedJson out = OrderedJson::array();
  size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest = std::string_view(target).substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    size_t eq = pair.find('=');
    out.push_back({{"name", std::string(pair.substr(0, eq))},
                   {"value", eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1))}});
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
  }
  return out;
}

void put_truncation(OrderedJson& parent, const capture::Body& body) {
  if (!body.truncated()) return;
  parent["_reprise"]["body_truncated"] = true;
  parent["_reprise"]["body_size"] = body.size;
}

// The URL is the capture's scheme (http unless it says https) + "://" + Host + target. When the target cannot be read back from it (not
// origin-form, or a '#' in it) it is kept as _reprise.target; when there was no Host header,
// _reprise.host_header false stops the reader from adding one.
OrderedJson request_json(const capture::Request& req, const capture::CaptureHeader& header) {
  bool has_host = false;
  std::string host = header_value(req.headers, "host", has_host);
  if (!has_host) {  // the authority of the capture's upstream URL, if it has one
    size_t scheme = header.upstream.find("://");
    host = scheme == std::string::npos ? "" : header.upstream.substr(scheme + 3);
    host = host.substr(0, host.find_first_of("/?#"));
    if (host.empty()) host = "localhost";
  }
  bool absolute = req.target.starts_with("http://") || req.target.starts_with("https://");
  std::string url =
      absolute ? req.target
               : (header.scheme.empty() ? "http" : header.scheme) + "://" + host +
                     (req.target.starts_with("/") ? req.target : "/");
  OrderedJson j = {{"method", req.method},
                   {"url", url},
                   {"httpVersion", "HTTP/" + req.version},
                   {"cookies", OrderedJson::array()},
                   {"headers", headers_json(req.headers)},
                   {"queryString", query_json(req.target)}};
  if (req.body.size > 0) {
    OrderedJson post = {{"mimeType", header_value(req.headers, "content-type")}};
    bool text = is_utf8(req.body.data);
    post["text"] = text ? req.body.data : encode_base64(req.body.data);
    if (!text) post["_encoding"] = "base64";
    j["postData"] = std::move(post);
  }
  j["headersSize"] = -1;
  j["bodySize"] = req.body.size;
  std::string authority, read_back;
  if (!split_url(url, authority, read_back).empty() || read_back != req.target)
    j["_reprise"]["target"] = req.target;
  if (!has_host) j["_reprise"]["host_header"] = false;
  put_truncation(j, req.body);
  return j;
}

OrderedJson response_json(const std::optional<capture::Response>& res) {
  if (!res)  // HAR's way to say no response came
    return {{"status", 0},
            {"statusText", ""},
            {"httpVersion", ""},
            {"cookies", OrderedJson::array()},
            {"headers", OrderedJson::array()},
            {"content", {{"size", 0}, {"mimeType", ""}}},
            {"redirectURL", ""},
            {"headersSize", -1},
            {"bodySize", -1}};
  OrderedJson content = {{"size", res->body.size}, {"mimeType", header_value(res->headers, "content-type")}};
  if (res->body.size > 0) {
    bool text = is_utf8(res->body.data);
    content["text"] = text ? res->body.data : encode_base64(res->body.data);
    if (!text) content["encoding"] = "base64";
  }
  OrderedJson j = {{"status", res->status},
                   {"statusText", std::string(http::status_reason(res->status))},
                   {"httpVersion", "HTTP/1.1"},
                   {"cookies", OrderedJson::array()},
                   {"headers", headers_json(res->headers)},
                   {"content", std::move(content)},
                   {"redirectURL", header_value(res->headers, "location")},
                   {"headersSize", -1},
                   {"bodySize", res->body.size}};
  put_truncation(j, res->body);
  return j;
}

OrderedJson stream_json(const capture::Stream& s) {
  OrderedJson events = OrderedJson::array();
  for (const auto& e : s.events) {
    OrderedJson ev = {{"t_us", e.t_us}, {"bytes", e.bytes}};
    if (s.kind == "websocket") ev["dir"] = e.dir == 'u' ? "up" : "down";
    events.push_back(std::move(ev));
  }
  OrderedJson out = {{"kind", s.kind}, {"events", std::move(events)}};
  if (s.unlisted) out["events_truncated"] = true, out["events_count"] = s.count();
  return out;
}

}  // namespace

nlohmann::ordered_json har_entry(const capture::Exchange& x, const capture::CaptureHeader& header,
                                 int64_t created_us) {
  auto ms = [](int64_t us) { return static_cast<double>(us) / 1000.0; };
  int64_t ttfb_us = x.res ? x.res->ttfb_us : 0, dur_us = x.res ? x.res->dur_us : 0;
  // `created_us` has a four-digit year (under 2.6e17 µs from 1970 either way): a t_us clamped to
  // 1e18 µs (31,000 years, past any span two such dates have) keeps the sum in range.
  constexpr int64_t kSpanUs = 1'000'000'000'000'000'000;
  int64_t started_us = created_us + std::clamp(x.t_us, -kSpanUs, kSpanUs);
  double receive_ms = std::max(0.0, static_cast<double>(dur_us) - static_cast<double>(ttfb_us)) / 1000.0;
  OrderedJson j = {{"startedDateTime", format_iso8601(started_us)},
                   {"time", ms(dur_us)},
                   {"request", request_json(x.req, header)},
                   {"response", response_json(x.res)},
                   {"cache", OrderedJson::object()},
                   {"timings", {{"send", 0}, {"wait", ms(ttfb_us)}, {"receive", receive_ms}}},
                   {"connection", x.session}};
  j["_reprise"]["id"] = x.id;
  if (!x.client.empty()) j["_reprise"]["client"] = x.client;
  if (!x.page.empty()) j["_reprise"]["page"] = x.page;  // not pageref: that must name one of log.pages
  if (x.stream) j["_reprise"]["stream"] = stream_json(*x.stream);
  return j;
}

HarWriter::HarWriter(std::ostream& out, const capture::CaptureHeader& header) : out_(out), header_(header) {
  if (!parse_iso8601(header_.created, created_us_)) header_.created = format_iso8601(created_us_ = 0);
  OrderedJson head = {{"version", "1.2"}, {"creator", {{"name", "reprise"}, {"version", REPRISE_VERSION}}}};
  head["_reprise"]["created"] = header_.created;
  if (!header_.upstream.empty()) head["_reprise"]["upstream"] = header_.upstream;
  if (header_.body_limit) head["_reprise"]["body_limit"] = header_.body_limit;
  std::string text = head.dump();
  text.pop_back();  // the closing brace: entries follow
  out_ << "{\"log\":" << text << ",\"entries\":[";
}

void HarWriter::add(const capture::Exchange& x) {
  out_ << (first_ ? "\n" : ",\n")
       << har_entry(x, header_, created_us_).dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  first_ = false;
}

void HarWriter::finish() { out_ << "\n]}}\n"; }

}  // namespace reprise::importers
