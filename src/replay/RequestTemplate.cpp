#include "replay/RequestTemplate.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "capture/JsonText.hpp"
#include "http/MessageHead.hpp"
#include "http/PercentEncoding.hpp"
#include "replay/Correlation.hpp"

namespace reprise::replay {
namespace {

void append_encoded(std::string& out, std::string_view value, Encoding e) {
  if (e == Encoding::raw) {
    out += value;
  } else if (e == Encoding::header) {
    for (char c : value)
      if (c != '\r' && c != '\n' && c != '\0') out += c;
  } else if (e == Encoding::url) {
    http::append_url_encoded(out, value, http::UrlPart::path);
  } else {  // the inside of a JSON string: the capture's escaping, without its quotes
    size_t at = out.size();
    capture::append_json_string(out, value);
    out.erase(at, 1);
    out.pop_back();
  }
}

// A JSON string's content as the text it stands for ("Zo\u00eb" is "Zoë").
std::string json_unescape(std::string_view content) {
  if (content.find('\\') == std::string_view::npos) return std::string(content);
  std::string quoted;
  quoted.reserve(content.size() + 2);
  quoted += '"';
  quoted += content;
  quoted += '"';
  auto parsed = nlohmann::json::parse(quoted, nullptr, false);
  return parsed.is_string() ? parsed.get<std::string>() : std::string(content);
}

// Collects pieces: literal text is merged; a wanted value at a whole-value boundary becomes a
// slot piece when the chooser gives it one.
struct Builder {
  std::vector<Piece>& pieces;
  const SlotLookup& lookup;

  void text(std::string_view s) {
    if (s.empty()) return;
    if (pieces.empty() || pieces.back().slot >= 0) pieces.push_back({});
    pieces.back().text += s;
  }
  // The slot for `whole` (the value as it stands, decoded) at `site`, or -1.
  int find(std::string_view whole, bool id_place, const Site& site) const {
    return lookup(whole, id_place, site);
  }
  void slot(int slot, Encoding e) { pieces.push_back({{}, slot, e}); }
  // The literal, or the slot that replaces it.
  void text_or_value(std::string_view raw, std::string_view whole, bool id_place, const Site& site,
                     Encoding e) {
    int s = find(whole, id_place, site);
    if (s >= 0)
      slot(s, e);
    else
      text(raw);
  }
};

void build_query(Builder& b, std::string_view query);

// The path's segments, whole and percent-decoded; then the query.
void build_target(Builder& b, std::string_view target) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q), previous;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty())
      b.text(seg);
    else
      b.text_or_value(seg, http::url_decode(seg, http::UrlPart::path), true, {{}, previous}, Encoding::url);
    previous = seg;
    if (slash == std::string_view::npos) break;
    b.text("/");
    start = slash + 1;
  }
  if (q == std::string_view::npos) return;
  b.text("?");
  build_query(b, target.substr(q + 1));
}

// The values of `k=v&k=v` (a query or a form body), whole and percent-decoded.
void build_query(Builder& b, std::string_view query) {
  for (size_t start = 0; start <= query.size();) {
    size_t amp = query.find('&', start);
    std::string_view pair =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size()) {
      std::string_view key = pair.substr(0, eq);
      b.text(pair.substr(0, eq + 1));
      b.text_or_value(pair.substr(eq + 1), http::url_decode(pair.substr(eq + 1), http::UrlPart::query),
                      id_named(key), {key, {}}, Encoding::url);
    } else {
      b.text(pair);
    }
    if (amp == std::string_view::npos) break;
    b.text("&");
    start = amp + 1;
  }
}

bool token_edge(char c) { return c == ' ' || c == ',' || c == ';' || c == '\t'; }

// Whole tokens of a header value: "Bearer <token>", "sid=<value>; theme=dark". A token is
// matched whole (a base64 value may end in '='), else its part after the first '='.
void build_header_value(Builder& b, std::string_view value) {
  for (size_t i = 0; i < value.size();) {
    size_t end = i;
    while (end < value.size() && !token_edge(value[end])) ++end;
    std::string_view token = value.substr(i, end - i);
    size_t eq = token.find('=');
    if (int slot = b.find(token, false, {}); slot >= 0) {
      b.slot(slot, Encoding::header);
    } else if (eq != std::string_view::npos && eq > 0) {
      b.text(token.substr(0, eq + 1));
      b.text_or_value(token.substr(eq + 1), token.substr(eq + 1), false, {token.substr(0, eq), {}},
                      Encoding::header);
    } else {
      b.text(token);
    }
    b.text(value.substr(end, end < value.size() ? 1 : 0));
    i = end + 1;
  }
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// JSON values, whole: a string's content, or a number under an id-named key.
void build_json(Builder& b, std::string_view body) {
  size_t done = 0;
  std::string_view key;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    size_t end = i + 1;
    bool is_string = c == '"';
    if (is_string) {
      while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
      if (end >= body.size()) break;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '.' ||
                                   body[end] == '-' || body[end] == '+'))
        ++end;
    } else {
      ++i;
      continue;
    }
    size_t next = skip_space(body, end + (is_string ? 1 : 0));
    std::string_view token = is_string ? body.substr(i + 1, end - i - 1) : body.substr(i, end - i);
    if (is_string && next < body.size() && body[next] == ':') {
      key = token;
    } else if (int slot =
                   b.find(is_string ? json_unescape(token) : std::string(token), id_named(key), {key, {}});
               slot >= 0) {
      size_t from = is_string ? i + 1 : i;
      b.text(body.substr(done, from - done));
      b.slot(slot, is_string ? Encoding::json : Encoding::raw);
      done = end;
    }
    i = end + (is_string ? 1 : 0);
  }
  b.text(body.substr(done));
}

bool skipped_header(std::string_view name) {
  for (const char* h : {"Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "TE",
                        "Expect", "Proxy-Connection", "Upgrade"})
    if (http::iequals(name, h)) return true;
  return false;
}

std::string_view header_of(const capture::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (http::iequals(n, name)) return v;
  return {};
}

}  // namespace

RequestTemplate::RequestTemplate(const capture::Request& req, const std::vector<Wanted>& values,
                                 const SlotChooser& choose, const std::string& host)
    : RequestTemplate(
          req,
          [&](std::string_view whole, bool id_place, const Site& site) {
            for (size_t i = 0; i < values.size(); ++i)
              if ((id_place || !values[i].id_only) && values[i].recorded == whole) return choose(i, site);
            return -1;
          },
          host) {}

RequestTemplate::RequestTemplate(const capture::Request& req, const SlotLookup& lookup,
                                 const std::string& host)
    : method_(req.method) {
  Builder head{head_, lookup};
  head.text(req.method);
  head.text(" ");
  build_target(head, req.target);
  head.text(" HTTP/1.1\r\n");
  std::string_view send_host = host.empty() ? header_of(req.headers, "Host") : std::string_view(host);
  if (!send_host.empty()) {
    head.text("Host: ");
    head.text(send_host);
    head.text("\r\n");
  }
  for (const auto& [name, value] : req.headers) {
    if (skipped_header(name)) continue;
    head.text(name);
    head.text(": ");
    build_header_value(head, value);
    head.text("\r\n");
  }
  std::string_view type = header_of(req.headers, "Content-Type");
  std::string_view body = req.body.data;
  Builder b{body_, lookup};
  size_t first = skip_space(body, 0);
  if (type.find("json") != std::string_view::npos ||
      (first < body.size() && (body[first] == '{' || body[first] == '[')))
    build_json(b, body);
  else if (type.find("x-www-form-urlencoded") != std::string_view::npos)
    build_query(b, body);
  else
    b.text(body);
  send_length_ = !body.empty() || !header_of(req.headers, "Content-Length").empty() ||
                 !header_of(req.headers, "Transfer-Encoding").empty();
}

void RequestTemplate::render(const std::vector<std::string>& live, std::string& out) const {
  out.clear();
  auto put = [&](const std::vector<Piece>& pieces) {
    for (const auto& p : pieces) {
      if (p.slot < 0)
        out += p.text;
      else
        append_encoded(out, live[static_cast<size_t>(p.slot)], p.encoding);
    }
  };
  put(head_);
  size_t body_at = out.size();
  put(body_);
  if (!send_length_) {
    out.insert(body_at, "\r\n");
    return;
  }
  char line[48] = "Content-Length: ";
  char* end = std::to_chars(line + 16, line + sizeof(line) - 4, out.size() - body_at).ptr;
  std::memcpy(end, "\r\n\r\n", 4);
  out.insert(body_at, line, static_cast<size_t>(end + 4 - line));
}

void RequestTemplate::each_value(
    const capture::Request& req,
    const std::function<void(std::string_view, bool id_place, const Site& site)>& f) {
  RequestTemplate(
      req,
      [&](std::string_view whole, bool id_place, const Site& site) {
        f(whole, id_place, site);
        return -1;
      },
      "x");
}

bool RequestTemplate::carries(const capture::Request& req, const Wanted& value) {
  return RequestTemplate(
             req, {value}, [](size_t, const Site&) { return 0; }, "x")
             .slots_used() > 0;
}

size_t RequestTemplate::slots_used() const {
  auto count = [](const std::vector<Piece>& pieces) {
    return static_cast<size_t>(
        std::count_if(pieces.begin(), pieces.end(), [](const Piece& p) { return p.slot >= 0; }));
  };
  return count(head_) + count(body_);
}

}  // namespace reprise::replay
