// A recorded request turned into what the replayer sends: the bytes as recorded, cut where a
// value stands that is live at run time (a token a login handed out, a created room's id, an
// identity). Building it finds those values only at whole-value boundaries (a path segment, a
// query value, a header token, a JSON or form value), so a short id never matches inside other
// text. Rendering writes the pieces into a reused buffer with the live values, encoded for the
// place they stand in, and a fresh Content-Length. It knows nothing of sockets or sessions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/Exchange.hpp"

namespace reprise::replay {

// How a live value is written where the recorded one stood: as it is (a JSON number), in a
// header (CR, LF and NUL left out, so a value cannot end the head), percent-encoded, or as the
// inside of a JSON string.
enum class Encoding : unsigned char { raw, header, url, json };

struct Piece {
  std::string text;  // literal bytes, when slot < 0
  int slot = -1;     // else the live value of this slot
  Encoding encoding = Encoding::raw;
};

// A value to look for: what was recorded, and whether it is an integer id (looked for only in
// the path and in id-named query and JSON fields).
struct Wanted {
  std::string recorded;
  bool id_only = false;
};

// Where a value stands: the JSON or query key it is the value of, or the path segment before
// it ("rooms" for /rooms/1), or nothing (a header token).
struct Site {
  std::string_view key;
  std::string_view segment;
};

// The slot whose live value replaces `whole` (a value standing whole at `site`, decoded;
// `id_place`: where an integer id may stand), or -1 to keep the recorded bytes.
using SlotLookup = std::function<int(std::string_view whole, bool id_place, const Site& site)>;

// For a short list of values: picks the slot for values[i] at `site` (several answers may have
// handed out the same recorded value); -1 keeps the recorded bytes.
using SlotChooser = std::function<int(size_t value, const Site& site)>;

class RequestTemplate {
 public:
  // `host` is the Host header to send; an empty one keeps the recorded Host.
  RequestTemplate(const capture::Request& req, const SlotLookup& lookup, const std::string& host);
  // The same, looking `values` up one by one (for a few values).
  RequestTemplate(const capture::Request& req, const std::vector<Wanted>& values, const SlotChooser& choose,
                  const std::string& host);

  // The whole request with `live[slot]` in place of each value, into `out` (cleared first).
  void render(const std::vector<std::string>& live, std::string& out) const;

  // True when `value` stands in the request (at the same boundaries as above).
  static bool carries(const capture::Request& req, const Wanted& value);
  // Calls `f` with every value standing whole in the request, as a lookup would see it.
  static void each_value(const capture::Request& req,
                         const std::function<void(std::string_view, bool id_place, const Site& site)>& f);

  const std::string& method() const { return method_; }
  size_t slots_used() const;

 private:
  std::string method_;
  std::vector<Piece> head_;  // request line and headers, without Content-Length and the blank line
  std::vector<Piece> body_;
  bool send_length_ = false;
};

}  // namespace reprise::replay
