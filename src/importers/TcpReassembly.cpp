#include "importers/TcpReassembly.hpp"

#include <algorithm>
#include <tuple>

namespace reprise::importers {
namespace {

constexpr int64_t closed_memory_us =
    10'000'000;  // late segments of a closed connection: 10 s covers any retransmission

size_t index(Direction d) { return static_cast<size_t>(d); }

bool before(const Endpoint& x, const Endpoint& y) {
  return std::tie(x.ip, x.port, x.v6) < std::tie(y.ip, y.port, y.v6);
}

}  // namespace

size_t TcpReassembly::KeyHash::operator()(const Key& k) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const Endpoint* e : {&k.a, &k.b}) {
    for (uint8_t b : e->ip) mix(b);
    mix(e->port);
  }
  return static_cast<size_t>(h);
}

TcpReassembly::TcpReassembly(Handler& handler, size_t max_waiting_bytes)
    : handler_(handler), max_waiting_(max_waiting_bytes) {}

TcpReassembly::Key TcpReassembly::key_of(const TcpSegment& s) {
  return before(s.src, s.dst) ? Key{s.src, s.dst} : Key{s.dst, s.src};
}

void TcpReassembly::add(const TcpSegment& s, int64_t t_us) {
  if (t_us - last_prune_ > closed_memory_us / 6) prune_closed(t_us);
  Key key = key_of(s);
  auto it = connections_.find(key);
  bool syn = s.has(TcpSegment::syn), ack = s.has(TcpSegment::ack);
  if (syn && it != connections_.end()) {
    const Tracked& c = it->second;
    Direction dir = s.src == c.info.client ? Direction::to_server : Direction::to_client;
    const HalfStream& h = c.half[index(dir)];
    bool same = !c.skipped && (!h.known || h.base == s.seq + 1);  // a retransmitted SYN or SYN-ACK
    if (!same) {
      close(key, CloseReason::reused, t_us);
      it = connections_.end();
    }
  }
  if (it == connections_.end()) {
    if (syn) return start(key, s, t_us);
    if (s.payload_size == 0 || s.has(TcpSegment::rst))
      return;  // ACKs, FINs and resets of no followed connection
    if (closed_.count(key)) {
      ++stats_.duplicates;  // a retransmission after the close
      return;
    }
    connections_[key].skipped = true;
    ++stats_.mid_stream;
    return;
  }
  Tracked& c = it->second;
  if (c.skipped) {
    if (s.has(TcpSegment::rst) || s.has(TcpSegment::fin)) close(key, CloseReason::fin, t_us);
    return;
  }
  if (s.has(TcpSegment::rst)) return close(key, CloseReason::reset, t_us);
  Direction dir = s.src == c.info.client ? Direction::to_server : Direction::to_client;
  if (ack && dir == Direction::to_server && !c.half[index(Direction::to_client)].known)
    learn_base(c, Direction::to_client, s.ack_number - 1, t_us);  // the SYN-ACK is missing or late
  add_to(c, dir, s, t_us);
  check_end(key, c, t_us);
}

void TcpReassembly::start(const Key& key, const TcpSegment& s, int64_t t_us) {
  closed_.erase(key);
  Tracked& c = connections_[key];
  c.info.id = ++next_id_;
  bool syn_ack = s.has(TcpSegment::ack);  // the SYN itself was not captured
  c.info.client = syn_ack ? s.dst : s.src;
  c.info.server = syn_ack ? s.src : s.dst;
  ++stats_.connections;
  handler_.on_open(c.info, t_us);
  if (syn_ack) learn_base(c, Direction::to_server, s.ack_number - 1, t_us);
  add_to(c, syn_ack ? Direction::to_client : Direction::to_server, s, t_us);
  check_end(key, c, t_us);
}

void TcpReassembly::learn_base(Tracked& c, Direction dir, uint32_t isn, int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  if (h.known) return;
  h.known = true;
  h.base = isn + 1;
  auto early = std::move(h.early);
  h.early.clear();
  h.waiting_bytes = 0;
  for (auto& [segment, bytes] : early) {
    segment.payload = bytes;
    add_to(c, dir, segment, t_us);
  }
}

void TcpReassembly::add_to(Tracked& c, Direction dir, const TcpSegment& s, int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  if (s.has(TcpSegment::syn)) learn_base(c, dir, s.seq, t_us);
  if (s.cut()) ++stats_.cut_segments;
  if (!h.known) {
    if (h.dead) return;
    if (s.payload_size == 0 && !s.has(TcpSegment::fin)) return;
    h.early.emplace_back(s, std::string(s.payload));
    h.waiting_bytes += s.payload.size();
    if (h.waiting_bytes > max_waiting_) gap(c, dir, t_us);
    return;
  }
  uint32_t data_seq = s.seq + (s.has(TcpSegment::syn) ? 1 : 0);
  // The offset nearest to what was delivered: sequence numbers wrap every 4 GiB.
  auto distance = static_cast<int32_t>(data_seq - (h.base + static_cast<uint32_t>(h.delivered)));
  int64_t offset = static_cast<int64_t>(h.delivered) + distance;
  if (offset < 0) return;  // before the stream began: not a segment of this connection
  auto at = static_cast<uint64_t>(offset);
  if (s.has(TcpSegment::fin)) h.fin_at = std::min(h.fin_at, at + s.payload_size);
  if (s.payload.empty() || h.dead) return;
  if (at + s.payload.size() <= h.delivered) {
    ++stats_.duplicates;
  } else if (at <= h.delivered) {
    deliver(c, dir, at, s.payload, t_us);
    drain_waiting(c, dir, t_us);
  } else {
    ++stats_.out_of_order;
    wait(c, dir, at, s.payload, t_us);
  }
}

void TcpReassembly::deliver(Tracked& c, Direction dir, uint64_t offset, std::string_view bytes,
                            int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  if (offset + bytes.size() <= h.delivered || h.delivered >= h.fin_at) return;
  bytes.remove_prefix(static_cast<size_t>(h.delivered - offset));
  bytes = bytes.substr(0, static_cast<size_t>(std::min<uint64_t>(bytes.size(), h.fin_at - h.delivered)));
  h.delivered += bytes.size();
  handler_.on_data(c.info, dir, bytes, t_us);
}

void TcpReassembly::drain_waiting(Tracked& c, Direction dir, int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  while (!h.waiting.empty() && h.waiting.begin()->first <= h.delivered) {
    auto node = h.waiting.extract(h.waiting.begin());
    h.waiting_bytes -= node.mapped().size();
    deliver(c, dir, node.key(), node.mapped(), t_us);
  }
}

void TcpReassembly::wait(Tracked& c, Direction dir, uint64_t offset, std::string_view bytes, int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  if (offset >= h.fin_at) return;
  auto [it, inserted] = h.waiting.try_emplace(offset);
  if (!inserted && it->second.size() >= bytes.size()) return;  // the longer copy of a retransmission stays
  h.waiting_bytes += bytes.size() - it->second.size();
  it->second.assign(bytes);
  if (h.waiting_bytes > max_waiting_) gap(c, dir, t_us);
}

void TcpReassembly::gap(Tracked& c, Direction dir, int64_t t_us) {
  HalfStream& h = c.half[index(dir)];
  if (h.dead) return;
  h.dead = true;
  h.waiting.clear();
  h.early.clear();
  h.waiting_bytes = 0;
  ++stats_.gaps;
  handler_.on_gap(c.info, dir, t_us);
}

bool TcpReassembly::check_end(const Key& key, Tracked& c, int64_t t_us) {
  bool ended = true;
  for (Direction dir : {Direction::to_server, Direction::to_client}) {
    HalfStream& h = c.half[index(dir)];
    if (!h.fin_done && h.known && !h.dead && h.delivered >= h.fin_at) {
      h.fin_done = true;
      handler_.on_fin(c.info, dir, t_us);
    }
    ended = ended && (h.fin_done || (h.dead && h.fin_at != UINT64_MAX));
  }
  if (ended) close(key, CloseReason::fin, t_us);
  return ended;
}

void TcpReassembly::close(const Key& key, CloseReason why, int64_t t_us) {
  auto it = connections_.find(key);
  if (it == connections_.end()) return;
  Tracked& c = it->second;
  if (!c.skipped) {
    if (why == CloseReason::capture_end || why == CloseReason::reused)
      for (Direction dir : {Direction::to_server, Direction::to_client}) {
        const HalfStream& h = c.half[index(dir)];
        bool missing =
            !h.waiting.empty() || !h.early.empty() || (h.fin_at != UINT64_MAX && h.delivered < h.fin_at);
        if (missing && !h.dead) gap(c, dir, t_us);
      }
    handler_.on_close(c.info, why, t_us);
  }
  connections_.erase(it);
  closed_[key] = t_us;
}

void TcpReassembly::finish(int64_t t_us) {
  std::vector<Key> keys;
  keys.reserve(connections_.size());
  for (const auto& [key, c] : connections_) keys.push_back(key);
  for (const auto& key : keys) close(key, CloseReason::capture_end, t_us);
}

void TcpReassembly::prune_closed(int64_t t_us) {
  last_prune_ = t_us;
  std::erase_if(closed_, [t_us](const auto& entry) { return t_us - entry.second > closed_memory_us; });
}

}  // namespace reprise::importers
