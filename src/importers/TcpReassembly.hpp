// Turns TCP segments, in capture order, back into the two byte streams of each connection:
// segments that arrive out of order wait until the bytes before them come, retransmissions
// and overlaps are trimmed to the bytes not yet delivered, and sequence numbers wrap. A
// connection is followed only from its handshake (the SYN gives each side's first sequence
// number): one seen first in the middle is skipped and counted. Bytes that never arrive (lost
// by the capture) end that direction with a gap. It knows nothing of HTTP.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "importers/PacketDecoder.hpp"

namespace reprise::importers {

enum class Direction : uint8_t { to_server = 0, to_client = 1 };

struct Connection {
  uint64_t id = 0;
  Endpoint client, server;  // the client sent the SYN
};

enum class CloseReason { fin, reset, reused, capture_end };

class TcpReassembly {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_open(const Connection& c, int64_t t_us) = 0;
    // The next bytes of one direction, in order; `t_us` is the time of the packet that made them whole.
    virtual void on_data(const Connection& c, Direction dir, std::string_view bytes, int64_t t_us) = 0;
    // That side sent FIN and every byte before it was delivered.
    virtual void on_fin(const Connection& c, Direction dir, int64_t t_us) = 0;
    // Bytes of that direction are missing from the capture: nothing more will be delivered for it.
    virtual void on_gap(const Connection& c, Direction dir, int64_t t_us) = 0;
    virtual void on_close(const Connection& c, CloseReason why, int64_t t_us) = 0;
  };

  struct Stats {
    uint64_t connections = 0;   // followed from their handshake
    uint64_t mid_stream = 0;    // first seen after their handshake: skipped
    uint64_t out_of_order = 0;  // segments that had to wait for earlier bytes
    uint64_t duplicates = 0;    // segments whose bytes had all been delivered already
    uint64_t cut_segments = 0;  // segments the capture did not keep whole (snap length)
    uint64_t gaps = 0;          // directions that lost bytes
  };

  explicit TcpReassembly(Handler& handler, size_t max_waiting_bytes = 16u << 20);

  void add(const TcpSegment& segment, int64_t t_us);
  // The capture ended: what can still be delivered is, then every connection is closed.
  void finish(int64_t t_us);

  const Stats& stats() const { return stats_; }
  size_t open_connections() const { return connections_.size(); }

 private:
  struct Key {
    Endpoint a, b;  // ordered, so both directions find the same connection
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };

  struct HalfStream {
    bool known = false;  // the first sequence number is known
    bool dead = false;   // a gap ended it
    bool fin_done = false;
    uint32_t base = 0;  // the sequence number of stream offset 0 (ISN + 1)
    uint64_t delivered = 0;
    uint64_t fin_at = UINT64_MAX;
    std::map<uint64_t, std::string> waiting;  // offset → bytes that came too early
    size_t waiting_bytes = 0;
    std::vector<std::pair<TcpSegment, std::string>> early;  // before `base` was known
  };

  struct Tracked {
    Connection info;
    bool skipped = false;
    HalfStream half[2];
  };

  static Key key_of(const TcpSegment& s);
  void start(const Key& key, const TcpSegment& s, int64_t t_us);
  void add_to(Tracked& c, Direction dir, const TcpSegment& s, int64_t t_us);
  void learn_base(Tracked& c, Direction dir, uint32_t isn, int64_t t_us);
  void deliver(Tracked& c, Direction dir, uint64_t offset, std::string_view bytes, int64_t t_us);
  void drain_waiting(Tracked& c, Direction dir, int64_t t_us);
  void wait(Tracked& c, Direction dir, uint64_t offset, std::string_view bytes, int64_t t_us);
  void gap(Tracked& c, Direction dir, int64_t t_us);
  // True when the connection ended and was removed.
  bool check_end(const Key& key, Tracked& c, int64_t t_us);
  void close(const Key& key, CloseReason why, int64_t t_us);
  void prune_closed(int64_t t_us);

  Handler& handler_;
  size_t max_waiting_;
  std::unordered_map<Key, Tracked, KeyHash> connections_;
  // Recently closed, with when: their late segments are not new connections.
  std::unordered_map<Key, int64_t, KeyHash> closed_;
  int64_t last_prune_ = 0;
  uint64_t next_id_ = 0;
  Stats stats_;
};

}  // namespace reprise::importers
