#include "importers/HttpConversation.hpp"

#include <algorithm>

namespace reprise::importers {
namespace {

constexpr size_t max_head_size = size_t{256} * 1024;

int64_t since(int64_t start_us, int64_t t_us) { return std::max<int64_t>(0, t_us - start_us); }

}  // namespace

HttpConversation::HttpConversation(std::string session, std::string client, uint64_t body_limit, Sink sink)
    : session_(std::move(session)),
      client_ip_(std::move(client)),
      body_limit_(body_limit),
      sink_(std::move(sink)) {}

void HttpConversation::client_bytes(std::string_view data, int64_t t_us) {
  if (first_bytes_ && !data.empty()) {
    first_bytes_ = false;
    tls_ = data.size() >= 2 && data[0] == 0x16 && data[1] == 0x03;  // a handshake record, TLS/SSL 3.x
  }
  consume(client_, data, t_us);
  if (!server_.in_body && !server_.buffer.empty()) consume(server_, {}, t_us);  // an answer that came first
}

void HttpConversation::server_bytes(std::string_view data, int64_t t_us) { consume(server_, data, t_us); }

// Parses straight from the packet's bytes when nothing is left over, and keeps only what a
// message still needs (a head not yet whole) for the next bytes.
void HttpConversation::consume(Reader& r, std::string_view data, int64_t t_us) {
  if (r.stopped || upgraded_) return;
  bool buffered = !r.buffer.empty();
  if (buffered) r.buffer.append(data);
  std::string_view in = buffered ? std::string_view(r.buffer) : data;
  size_t used = 0;
  bool client = &r == &client_;
  while (!r.stopped && !upgraded_ &&
         (client ? request_step(in, used, t_us) : response_step(in, used, t_us))) {
  }
  if (r.stopped || upgraded_)
    std::string().swap(r.buffer);
  else if (buffered)
    r.buffer.erase(0, used);
  else
    r.buffer.assign(in.substr(used));
}

bool HttpConversation::request_step(std::string_view in, size_t& used, int64_t t_us) {
  Reader& r = client_;
  if (client_paused_) return false;
  if (!r.in_body) {
    std::string_view rest = in.substr(used);
    if (rest.empty()) return false;
    if (r.start_us < 0) r.start_us = t_us;
    if (requests_ == 0 && !(rest[0] >= 'A' && rest[0] <= 'Z')) return fail(r, "not an HTTP request");
    auto scan = r.parser.find_head_end(rest, r.scanned, max_head_size);
    if (scan.error) return fail(r, scan.error);
    if (scan.length == 0) return false;
    if (const char* error = r.parser.parse_head(rest.substr(0, scan.length))) return fail(r, error);
    const auto& head = r.parser.head();
    ++requests_;
    Pending& p = pending_.emplace_back();
    p.x.session = session_;
    p.x.client = client_ip_;
    p.x.t_us = r.start_us;
    p.x.req.method = head.method;
    p.x.req.target = head.target;
    p.x.req.version = std::to_string(head.version_major) + "." + std::to_string(head.version_minor);
    p.x.req.headers = capture::header_list(head);
    p.upgrade = head.upgrade;
    used += scan.length;
    r.scanned = 0;
    r.in_body = true;
  }
  auto step = r.parser.parse_body(in.substr(used));
  if (step.error) return fail(r, step.error);
  Pending& p = pending_.back();
  for (auto piece : r.parser.pieces()) keep(p.x.req.body, piece);
  r.parser.clear_pieces();
  used += step.consumed;
  if (!step.complete) return false;
  r.in_body = false;
  r.start_us = -1;
  p.request_done = true;
  if (p.upgrade && !p.response_done) client_paused_ = true;  // what follows depends on the answer
  emit_ready();
  return true;
}

HttpConversation::Pending* HttpConversation::responding() {
  for (auto& p : pending_)
    if (!p.response_done) return &p;
  return nullptr;
}

bool HttpConversation::response_step(std::string_view in, size_t& used, int64_t t_us) {
  Reader& r = server_;
  if (!r.in_body) return start_response(in, used, t_us);
  Pending* p = responding();
  auto step = r.parser.parse_body(in.substr(used));
  if (step.error) return fail(r, step.error);
  response_pieces(*p, t_us);
  used += step.consumed;
  if (!step.complete) return false;
  complete_response(*p, t_us);
  return true;
}

bool HttpConversation::start_response(std::string_view in, size_t& used, int64_t t_us) {
  Reader& r = server_;
  std::string_view rest = in.substr(used);
  if (rest.empty()) return false;
  Pending* p = responding();
  if (!p) {  // an answer before its request (the capture reordered the two sides): wait for it
    return rest.size() > max_head_size ? fail(r, "a response without a request") : false;
  }
  if (r.start_us < 0) r.start_us = t_us;
  auto scan = r.parser.find_head_end(rest, r.scanned, max_head_size);
  if (scan.error) return fail(r, scan.error);
  if (scan.length == 0) return false;
  bool no_body = p->x.req.method == "HEAD" || p->x.req.method == "CONNECT";
  if (const char* error = r.parser.parse_head(rest.substr(0, scan.length), no_body)) return fail(r, error);
  const auto& head = r.parser.head();
  used += scan.length;
  r.scanned = 0;
  if (head.status >= 100 && head.status < 200 && head.status != 101) {  // interim: the final answer follows
    r.start_us = -1;
    return true;
  }
  auto& res = p->x.res.emplace();
  res.status = head.status;
  res.headers = capture::header_list(head);
  res.ttfb_us = since(p->x.t_us, r.start_us);
  if (http::is_event_stream(head.header("content-type")))
    p->x.stream = capture::Stream{"sse", {}, 0, body_limit_};
  r.in_body = true;
  return true;
}

void HttpConversation::response_pieces(Pending& p, int64_t t_us) {
  for (auto piece : server_.parser.pieces()) {
    keep(p.x.res->body, piece);
    if (p.x.stream) p.sse.feed(piece, since(p.x.t_us, t_us), *p.x.stream);
  }
  server_.parser.clear_pieces();
}

void HttpConversation::complete_response(Pending& p, int64_t t_us) {
  server_.in_body = false;
  server_.start_us = -1;
  p.x.res->dur_us = since(p.x.t_us, t_us);
  p.response_done = true;
  int status = p.x.res->status;
  bool switched = p.upgrade && (status == 101 || (p.x.req.method == "CONNECT" && status / 100 == 2));
  bool resume = p.upgrade && !switched && client_paused_;
  if (switched) upgraded_ = true;  // a tunnel follows: no more HTTP on this connection
  emit_ready();
  if (resume) {
    client_paused_ = false;
    consume(client_, {}, t_us);
  }
}

void HttpConversation::server_closed(int64_t t_us) {
  if (server_.stopped || upgraded_ || !server_.in_body) return;
  auto step = server_.parser.finish();  // ends a body delimited by the close
  if (step.complete) complete_response(*responding(), t_us);
}

void HttpConversation::bytes_lost() {
  counts_.dropped += pending_.size();
  pending_.clear();
  client_.stopped = server_.stopped = true;
  problem_ = "bytes missing from the capture";
}

void HttpConversation::end(int64_t t_us) {
  for (auto& p : pending_) emit(p, t_us);
  pending_.clear();
}

void HttpConversation::keep(capture::Body& body, std::string_view piece) const {
  body.size += piece.size();
  size_t room = body_limit_ > body.data.size() ? body_limit_ - body.data.size() : 0;
  body.data.append(piece.substr(0, std::min(room, piece.size())));
}

void HttpConversation::emit_ready() {
  while (!pending_.empty() && pending_.front().request_done && pending_.front().response_done) {
    emit(pending_.front(), 0);
    pending_.pop_front();
  }
}

void HttpConversation::emit(Pending& p, int64_t end_us) {
  if (!p.x.res)
    ++counts_.unanswered;
  else if (!p.response_done)
    p.x.res->dur_us = since(p.x.t_us, end_us);
  if (!p.request_done || (p.x.res && !p.response_done)) ++counts_.unfinished;
  ++counts_.exchanges;
  sink_(std::move(p.x));
}

bool HttpConversation::fail(Reader& r, const char* why) {
  r.stopped = true;
  problem_ = why;
  bool before_any_request = &r == &client_ && requests_ == 0;
  if (before_any_request) not_http_ = true;
  if (&r == &server_ || before_any_request) {  // nothing more can be matched
    counts_.dropped += pending_.size();
    pending_.clear();
    client_.stopped = server_.stopped = true;
  }
  return false;
}

}  // namespace reprise::importers
