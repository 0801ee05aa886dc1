#include "http/MessageParser.hpp"

#include <cstring>

namespace reprise::http {
namespace {

// Extends `span` when `at` continues it in the same buffer, else starts it anew.
void extend(std::string_view& span, const char* at, size_t n) {
  if (!span.empty() && span.data() + span.size() == at)
    span = std::string_view(span.data(), span.size() + n);
  else
    span = std::string_view(at, n);
}

// RFC 9110 section 5.5: optional whitespace around a field value is spaces and tabs alike, but
// llhttp 8 refuses a tab after a Content-Length or Transfer-Encoding value. Whitespace right
// before a line end can only be such whitespace (the request and status lines end otherwise),
// so a head with a tab there is parsed from a copy where those tabs are spaces; any other head
// is parsed in place.
std::string_view spaces_for_line_end_tabs(std::string_view head, std::string& copy) {
  copy.clear();
  if (head.find('\t') == std::string_view::npos) return head;  // nearly every head
  for (size_t end = head.find("\r\n"); end != std::string_view::npos; end = head.find("\r\n", end + 2)) {
    for (size_t i = end; i > 0 && (head[i - 1] == ' ' || head[i - 1] == '\t'); --i) {
      if (head[i - 1] != '\t') continue;
      if (copy.empty()) copy.assign(head);
      copy[i - 1] = ' ';
    }
  }
  return copy.empty() ? head : std::string_view(copy);
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// One settings table for every parser: the callbacks find their parser through llhttp_t::data.
const llhttp_settings_t& MessageParser::settings() {
  static const llhttp_settings_t table = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_url = on_url;
    s.on_status = on_status;
    s.on_header_field = on_header_field;
    s.on_header_value = on_header_value;
    s.on_header_value_complete = on_header_value_done;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return table;
}

MessageParser::MessageParser(Type type) : type_(type) {}

// Line by line with memchr (every head of every message passes here), not byte by byte.
MessageParser::HeadScan MessageParser::find_head_end(std::string_view data, size_t& scanned,
                                                     size_t max_size) const {
  auto find = [&](char c, size_t from, size_t to) -> size_t {
    const void* at = from < to ? std::memchr(data.data() + from, c, to - from) : nullptr;
    return at ? static_cast<size_t>(static_cast<const char*>(at) - data.data()) : std::string_view::npos;
  };
  size_t i = scanned;
  while (i < data.size()) {
    const size_t lf = find('\n', i, data.size());
    if (lf == std::string_view::npos) {
      // RFC 9112 section 2.2 lets a recipient refuse a bare CR; llhttp 8 takes one after an
      // empty field value for a line end, and so would end the head before the blank line.
      const size_t cr = find('\r', i, data.size());
      if (cr == std::string_view::npos) {
        i = data.size();
        break;
      }
      if (cr + 1 < data.size()) return {0, "bare CR in the head"};
      i = cr;  // the next byte decides: rescan from this CR
      break;
    }
    if (lf == 0 || data[lf - 1] != '\r') return {0, "bare LF line end"};
    if (find('\r', i, lf - 1) != std::string_view::npos) return {0, "bare CR in the head"};
    i = lf;
    if (i + 1 == data.size()) break;  // the next byte decides: rescan from this line end
    char next = data[i + 1];
    // A line that starts with a space or tab continues the previous one: obs-fold.
    if (next == ' ' || next == '\t') return {0, "obs-fold header line"};
    if (next != '\r') {
      ++i;
      continue;
    }
    if (i + 2 == data.size()) break;
    if (data[i + 2] != '\n') return {0, "bare CR line end"};
    if (i + 3 > max_size) return {0, "head too large", true};
    return {i + 3, nullptr};
  }
  scanned = i;
  if (data.size() > max_size) return {0, "head too large", true};
  return {};
}

const char* MessageParser::parse_head(std::string_view head_bytes, bool no_body) {
  const std::string_view bytes = spaces_for_line_end_tabs(head_bytes, own_head_);
  llhttp_init(&parser_, type_ == Type::request ? HTTP_REQUEST : HTTP_RESPONSE,
              const_cast<llhttp_settings_t*>(&settings()));
  parser_.data = this;
  head_.clear();
  pieces_.clear();
  no_body_ = no_body;
  complete_ = false;
  field_done_ = true;
  llhttp_errno_t err = llhttp_execute(&parser_, bytes.data(), bytes.size());
  if (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE)
    return llhttp_get_error_reason(&parser_);
  if (err == HPE_PAUSED_UPGRADE) complete_ = true;
  // llhttp must end the head where find_head_end did: head bytes it took for body, or a message it
  // ended before them, would be bytes the two read differently (request smuggling).
  bool paused = err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE;
  if (!pieces_.empty() || (paused && llhttp_get_error_pos(&parser_) != bytes.data() + bytes.size()))
    return "the head ends before its blank line";
  for (auto& h : head_.headers) {
    // llhttp 8 tolerates "Name : value"; RFC 9112 says to refuse it (request smuggling).
    if (h.name.empty() || h.name.back() == ' ' || h.name.back() == '\t')
      return "whitespace between header name and colon";
    if (!is_token(h.name)) return "a header name that is not a token (RFC 9110 section 5.1)";
    h.value = trim_right(h.value);
  }
  head_.version_major = parser_.http_major;
  head_.version_minor = parser_.http_minor;
  head_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  if (type_ == Type::request)
    head_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  else
    head_.status = parser_.status_code;
  // llhttp takes 000 to 099, which a proxy would take for an interim answer (below 200).
  if (type_ == Type::response && head_.status < 100) return "a status code below 100 (RFC 9110 section 15)";
  head_.upgrade = parser_.upgrade != 0;
  if (complete_)
    head_.body = BodyKind::none;
  else if (parser_.flags & F_CHUNKED)
    head_.body = BodyKind::chunked;
  else if (parser_.flags & F_CONTENT_LENGTH)
    head_.body = BodyKind::content_length, head_.content_length = parser_.content_length;
  else if (llhttp_message_needs_eof(&parser_))
    head_.body = BodyKind::until_close;
  return nullptr;
}

MessageParser::BodyStep MessageParser::parse_body(std::string_view data) {
  if (complete_) return {0, true, nullptr};
  if (data.empty()) return {0, false, nullptr};  // llhttp must never see a null, empty input
  if (llhttp_get_errno(&parser_) == HPE_PAUSED) llhttp_resume(&parser_);
  llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  return step(data, err);
}

MessageParser::BodyStep MessageParser::finish() {
  if (complete_) return {0, true, nullptr};
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (err != HPE_OK && err != HPE_PAUSED) return {0, false, llhttp_get_error_reason(&parser_)};
  return {0, complete_, complete_ ? nullptr : "connection closed before the body ended"};
}

MessageParser::BodyStep MessageParser::step(std::string_view data, llhttp_errno_t err) {
  if (err == HPE_OK) return {data.size(), false, nullptr};
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)
    return {static_cast<size_t>(llhttp_get_error_pos(&parser_) - data.data()), true, nullptr};
  return {0, false, llhttp_get_error_reason(&parser_)};
}

int MessageParser::on_url(llhttp_t* p, const char* at, size_t n) {
  extend(self(p).head_.target, at, n);
  return 0;
}

int MessageParser::on_status(llhttp_t* p, const char* at, size_t n) {
  extend(self(p).head_.reason, at, n);
  return 0;
}

int MessageParser::on_header_field(llhttp_t* p, const char* at, size_t n) {
  auto& s = self(p);
  if (s.field_done_) s.head_.headers.push_back({});
  s.field_done_ = false;
  extend(s.head_.headers.back().name, at, n);
  return 0;
}

int MessageParser::on_header_value(llhttp_t* p, const char* at, size_t n) {
  extend(self(p).head_.headers.back().value, at, n);
  return 0;
}

int MessageParser::on_header_value_done(llhttp_t* p) {
  self(p).field_done_ = true;
  return 0;
}

int MessageParser::on_headers_complete(llhttp_t* p) {
  // Answers to HEAD, and 1xx, 204 and 304 answers, have no body whatever their headers say.
  int status = p->status_code;
  bool bodiless =
      self(p).type_ == Type::response && ((status >= 100 && status < 200) || status == 204 || status == 304);
  return (self(p).no_body_ || bodiless) ? 1 : 0;
}

int MessageParser::on_body(llhttp_t* p, const char* at, size_t n) {
  auto& pieces = self(p).pieces_;
  if (!pieces.empty() && pieces.back().data() + pieces.back().size() == at)
    pieces.back() = std::string_view(pieces.back().data(), pieces.back().size() + n);
  else
    pieces.emplace_back(at, n);
  return 0;
}

int MessageParser::on_message_complete(llhttp_t* p) {
  self(p).complete_ = true;
  return HPE_PAUSED;
}

}  // namespace reprise::http
