// Server-Sent-Events framing as a browser reads it (the HTML standard's event stream
// interpretation): lines end in CRLF, LF or a lone CR; a blank line ends a block; a block is
// dispatched as an event only when it carried a `data` field, so a comment-only heartbeat
// (": ping") or a block of only `retry`, `id` or `event` lines is no event. A leading BOM is
// skipped; a block the stream ends inside is never dispatched. The one scanner behind
// recording, the proxy's sse_events and the sse_drop fault. It keeps no body bytes and
// allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace reprise::http {

// True for a Content-Type that announces an event stream (any case, any parameters).
bool is_event_stream(std::string_view content_type);

// The stream with the data of its events rewritten by `edit`: each run of `data:` lines is handed
// over as one value, joined with newlines as a browser joins them, and written back over the
// same lines, each keeping its `data:` (and one space) and its line ending. Every other line
// (event, id, retry, comments, blank lines) is kept as it is. An edit may join lines, never add
// them. For recorded bodies (redaction), not for the data path.
std::string rewrite_event_data(std::string_view stream, const std::function<void(std::string&)>& edit);

// The type of each event a browser would fire for `stream`, in order: its last `event` field, or
// "message" when it has none. A block the stream ends inside is not an event. For recorded and
// kept bodies (response comparison), not for the data path.
std::vector<std::string> event_types(std::string_view stream);

class EventStreamScanner {
 public:
  // A block that ended in the bytes last fed: `end` is the offset just past its blank line.
  struct Block {
    size_t end;
    bool dispatched;  // a browser fires an event for it
  };

  // Scans bytes that follow those fed before; calls `on_block(Block)` for each block they end.
  template <class OnBlock>
  void feed(std::string_view bytes, OnBlock&& on_block) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (!take(bytes[i])) continue;
      // A CR LF ends the block after its LF when the LF came in the same bytes.
      size_t end = bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n' ? i + 2 : i + 1;
      on_block(Block{end, last_dispatched_});
    }
  }
  void feed(std::string_view bytes) {
    feed(bytes, [](Block) {});
  }

  uint64_t events() const { return events_; }  // dispatched blocks
  uint64_t blocks() const { return blocks_; }  // every non-empty block, heartbeats and retry-only ones too

 private:
  // One byte; true when it ended a block.
  bool take(char c);
  bool end_line();

  enum class Field : uint8_t { unknown, data, other };
  uint64_t events_ = 0, blocks_ = 0;
  uint8_t bom_seen_ = 0;   // bytes of a leading BOM skipped so far
  bool at_start_ = true;   // no byte but a BOM's seen yet
  bool after_cr_ = false;  // an LF right after a CR ends no second line
  bool line_empty_ = true;
  uint8_t name_matched_ = 0;  // bytes of "data" matched at the line's start
  Field field_ = Field::unknown;
  bool block_started_ = false;  // a line of the block was seen
  bool block_has_data_ = false;
  bool last_dispatched_ = false;
};

}  // namespace reprise::http
