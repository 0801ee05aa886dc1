#include "replay/RequestTemplate.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "http/MessageHead.hpp"

namespace reprise::replay {
namespace {

bool id_named(std::string_view key) {
  return http::iequals(key, "id") || key.ends_with("_id") || key.ends_with("Id") || key.ends_with("ID");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_digit(s[i + 1])) >= 0 &&
        (lo = hex_digit(s[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

void append_encoded(std::string& out, std::string_view value, Encoding e) {
  static const char* hex = "0123456789ABCDEF";
  if (e == Encoding::raw) {
    out += value;
    return;
  }
  for (unsigned char c : value) {
    bool plain = e == Encoding::url ? (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
                                    : (c >= 0x20 && c != '"' && c != '\\');
    if (plain) {
      out += static_cast<char>(c);
    } else if (e == Encoding::url) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}

// Collects pieces: literal text is merged, a value becomes a slot piece.
struct Builder {
  std::vector<Piece>& pieces;
  void text(std::string_view s) {
    if (s.empty()) return;
    if (pieces.empty() || pieces.back().slot >= 0) pieces.push_back({});
    pieces.back().text += s;
  }
  void slot(int slot, Encoding e) { pieces.push_back({{}, slot, e}); }
};

const Wanted* match(const std::vector<Wanted>& values, std::string_view text, bool id_place) {
  for (const auto& v : values)
    if ((id_place || !v.id_only) && v.recorded == text) return &v;
  return nullptr;
}

void build_query(Builder& b, std::string_view query, const std::vector<Wanted>& values);

// The path's segments, whole and percent-decoded; then the query.
void build_target(Builder& b, std::string_view target, const std::vector<Wanted>& values) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const Wanted* w = seg.empty() ? nullptr : match(values, url_decode(seg), true);
    if (w)
      b.slot(w->slot, Encoding::url);
    else
      b.text(seg);
    if (slash == std::string_view::npos) break;
    b.text("/");
    start = slash + 1;
  }
  if (q == std::string_view::npos) return;
  b.text("?");
  build_query(b, target.substr(q + 1), values);
}

// The values of `k=v&k=v` (a query or a form body), whole and percent-decoded.
void build_query(Builder& b, std::string_view query, const std::vector<Wanted>& values) {
  for (size_t start = 0; start <= query.size();) {
    size_t amp = query.find('&', start);
    std::string_view pair =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    size_t eq = pair.find('=');
    const Wanted* w = nullptr;
    if (eq != std::string_view::npos && eq + 1 < pair.size())
      w = match(values, url_decode(pair.substr(eq + 1)), id_named(pair.substr(0, eq)));
    if (w) {
      b.text(pair.substr(0, eq + 1));
      b.slot(w->slot, Encoding::url);
    } else {
      b.text(pair);
    }
    if (amp == std::string_view::npos) break;
    b.text("&");
    start = amp + 1;
  }
}

bool token_edge(char c) { return c == ' ' || c == ',' || c == ';' || c == '=' || c == ':' || c == '\t'; }

// Whole tokens of a header value: "Bearer <token>", "sid=<value>; theme=dark".
void build_header_value(Builder& b, std::string_view value, const std::vector<Wanted>& values) {
  size_t done = 0;
  for (size_t i = 0; i < value.size();) {
    size_t end = i;
    while (end < value.size() && !(token_edge(value[end]) && value[end] != ':')) ++end;
    const Wanted* w = end > i ? match(values, value.substr(i, end - i), false) : nullptr;
    if (w) {
      b.text(value.substr(done, i - done));
      b.slot(w->slot, Encoding::raw);
      done = end;
    }
    i = end + 1;
  }
  b.text(value.substr(done));
}

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return i;
}

// JSON values, whole: a string's content, or a number under an id-named key.
void build_json(Builder& b, std::string_view body, const std::vector<Wanted>& values) {
  size_t done = 0;
  std::string_view key;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == '"') {
      size_t end = i + 1;
      while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
      if (end >= body.size()) break;
      std::string_view content = body.substr(i + 1, end - i - 1);
      size_t next = skip_space(body, end + 1);
      if (next < body.size() && body[next] == ':') {
        key = content;
      } else if (const Wanted* w = match(values, content, id_named(key))) {
        b.text(body.substr(done, i + 1 - done));
        b.slot(w->slot, Encoding::json);
        done = end;
      }
      i = end + 1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i;
      while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '.' ||
                                   body[end] == '-' || body[end] == '+'))
        ++end;
      if (const Wanted* w = id_named(key) ? match(values, body.substr(i, end - i), true) : nullptr) {
        b.text(body.substr(done, i - done));
        b.slot(w->slot, Encoding::raw);
        done = end;
      }
      i = end;
    } else {
      ++i;
    }
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
                                 const std::string& host)
    : method_(req.method) {
  Builder head{head_};
  head.text(req.method);
  head.text(" ");
  build_target(head, req.target, values);
  head.text(" HTTP/1.1\r\n");
  head.text("Host: ");
  head.text(host.empty() ? header_of(req.headers, "Host") : std::string_view(host));
  head.text("\r\n");
  for (const auto& [name, value] : req.headers) {
    if (skipped_header(name)) continue;
    head.text(name);
    head.text(": ");
    build_header_value(head, value, values);
    head.text("\r\n");
  }
  std::string_view type = header_of(req.headers, "Content-Type");
  std::string_view body = req.body.data;
  Builder b{body_};
  size_t first = skip_space(body, 0);
  if (type.find("json") != std::string_view::npos ||
      (first < body.size() && (body[first] == '{' || body[first] == '[')))
    build_json(b, body, values);
  else if (type.find("x-www-form-urlencoded") != std::string_view::npos)
    build_query(b, body, values);
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

bool RequestTemplate::carries(const capture::Request& req, const Wanted& value) {
  return RequestTemplate(req, {value}, "x").slots_used() > 0;
}

size_t RequestTemplate::slots_used() const {
  auto count = [](const std::vector<Piece>& pieces) {
    return static_cast<size_t>(
        std::count_if(pieces.begin(), pieces.end(), [](const Piece& p) { return p.slot >= 0; }));
  };
  return count(head_) + count(body_);
}

}  // namespace reprise::replay
