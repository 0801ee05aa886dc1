// llhttp glue: parses one HTTP/1.x message at a time, head first, then the body piece by piece.
// The caller owns the bytes; the parser only hands back views into them, so a body piece is
// forwarded before the buffer is read into again. Lenient llhttp flags stay off: ambiguous
// framing is an error here, never a guess. It knows nothing of sockets or proxies.
#pragma once

#include <llhttp.h>

#include <string>
#include <string_view>
#include <vector>

#include "http/MessageHead.hpp"

namespace reprise::http {

class MessageParser {
 public:
  enum class Type { request, response };

  struct HeadScan {
    size_t length = 0;            // bytes of the head including the blank line; 0: need more
    const char* error = nullptr;  // the head is malformed (bare LF, obs-fold) or too large
    bool too_large = false;
  };

  struct BodyStep {
    size_t consumed = 0;          // bytes of the input that belong to this message
    bool complete = false;        // the message ended inside the input
    const char* error = nullptr;  // malformed body framing
  };

  explicit MessageParser(Type type);
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Finds the end of the head in `data` (every byte since the message began), scanning on from
  // `scanned`, which it advances. Bare LF, bare CR and obs-fold are refused here.
  HeadScan find_head_end(std::string_view data, size_t& scanned, size_t max_size) const;

  // Parses exactly the head found by find_head_end. `no_body` marks an answer to HEAD.
  // Returns nullptr on success, else the reason (also for a status code below 100). The head's
  // views point into `head_bytes`, or into the parser's own copy when tabs ended a field line
  // (see the .cpp).
  const char* parse_head(std::string_view head_bytes, bool no_body = false);

  // Feeds body bytes; the pieces of body found are appended to pieces().
  BodyStep parse_body(std::string_view data);
  // Ends an until_close body when the peer closed.
  BodyStep finish();

  const MessageHead& head() const { return head_; }
  const std::vector<std::string_view>& pieces() const { return pieces_; }
  void clear_pieces() { pieces_.clear(); }
  // Frees the header list once the head has been forwarded (a long stream keeps no copy).
  void release_headers() {
    std::vector<Header>().swap(head_.headers);
    std::string().swap(own_head_);
  }

 private:
  static int on_url(llhttp_t* p, const char* at, size_t n);
  static int on_status(llhttp_t* p, const char* at, size_t n);
  static int on_header_field(llhttp_t* p, const char* at, size_t n);
  static int on_header_value(llhttp_t* p, const char* at, size_t n);
  static int on_header_value_done(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t n);
  static int on_message_complete(llhttp_t* p);
  static const llhttp_settings_t& settings();
  static MessageParser& self(llhttp_t* p) { return *static_cast<MessageParser*>(p->data); }

  BodyStep step(std::string_view data, llhttp_errno_t err);

  Type type_;
  llhttp_t parser_{};
  MessageHead head_;
  std::string own_head_;  // the head with its line-ending tabs made spaces; empty when it had none
  std::vector<std::string_view> pieces_;
  bool no_body_ = false;
  bool complete_ = false;
  bool field_done_ = true;
};

}  // namespace reprise::http
