#include "importers/TrafficDecoder.hpp"

#include <spdlog/spdlog.h>

namespace reprise::importers {

std::string TrafficStats::describe() const {
  std::string out = std::to_string(packets) + " packets, " + std::to_string(bytes) +
                    " bytes; connections: " + std::to_string(http_connections) + " HTTP, " +
                    std::to_string(tcp.mid_stream) + " skipped (already open when the capture began)";
  auto add = [&out](uint64_t n, const char* what) {
    if (n) out += ", " + std::to_string(n) + " " + what;
  };
  add(not_http_connections, "not HTTP");
  add(tls_connections, "of them TLS (encrypted)");
  add(broken_connections, "given up (malformed HTTP or bytes missing from the capture)");
  add(exchanges.unanswered, "requests without a response");
  add(exchanges.unfinished, "exchanges cut off by a close or the end of the capture");
  add(exchanges.dropped, "exchanges dropped (malformed or bytes missing)");
  add(tcp.gaps, "streams with bytes missing");
  add(tcp.cut_segments, "segments cut short by the snap length");
  add(fragments, "IP fragments skipped");
  add(malformed, "malformed packets");
  return out;
}

TrafficDecoder::TrafficDecoder(int linktype, TrafficOptions options, HttpConversation::Sink sink)
    : linktype_(linktype), options_(options), sink_(std::move(sink)), tcp_(*this) {}

void TrafficDecoder::packet(std::string_view frame, int64_t t_us) {
  ++stats_.packets;
  stats_.bytes += frame.size();
  switch (decode_packet(linktype_, frame, segment_)) {
    case Decoded::tcp:
      break;
    case Decoded::fragment:
      ++stats_.fragments;
      return;
    case Decoded::malformed:
      ++stats_.malformed;
      return;
    default:
      ++stats_.not_tcp;
      return;
  }
  if (options_.port && segment_.src.port != *options_.port && segment_.dst.port != *options_.port) {
    ++stats_.other_port;
    return;
  }
  ++stats_.segments;
  tcp_.add(segment_, t_us);
}

void TrafficDecoder::finish(int64_t t_us) { tcp_.finish(t_us); }

TrafficStats TrafficDecoder::stats() const {
  TrafficStats s = stats_;
  s.tcp = tcp_.stats();
  return s;
}

HttpConversation* TrafficDecoder::find(const Connection& c) {
  auto it = conversations_.find(c.id);
  return it == conversations_.end() ? nullptr : it->second.get();
}

void TrafficDecoder::on_open(const Connection& c, int64_t) {
  conversations_[c.id] = std::make_unique<HttpConversation>("tcp:" + c.client.to_string(),
                                                            c.client.ip_string(), options_.body_limit, sink_);
}

void TrafficDecoder::on_data(const Connection& c, Direction dir, std::string_view bytes, int64_t t_us) {
  if (auto* conversation = find(c)) {
    if (dir == Direction::to_server)
      conversation->client_bytes(bytes, t_us);
    else
      conversation->server_bytes(bytes, t_us);
  }
}

void TrafficDecoder::on_fin(const Connection& c, Direction dir, int64_t t_us) {
  if (auto* conversation = find(c); conversation && dir == Direction::to_client)
    conversation->server_closed(t_us);
}

void TrafficDecoder::on_gap(const Connection& c, Direction, int64_t) {
  if (auto* conversation = find(c)) conversation->bytes_lost();
}

void TrafficDecoder::on_close(const Connection& c, CloseReason, int64_t t_us) {
  auto it = conversations_.find(c.id);
  if (it == conversations_.end()) return;
  auto& conversation = *it->second;
  conversation.end(t_us);
  if (!conversation.is_http()) {
    ++stats_.not_http_connections;
    if (conversation.is_tls()) ++stats_.tls_connections;
  }
  else if (conversation.saw_request())
    ++stats_.http_connections;
  if (conversation.is_http() && conversation.problem()) {
    ++stats_.broken_connections;
    spdlog::debug("connection {} -> {}: {}", c.client.to_string(), c.server.to_string(),
                  conversation.problem());
  }
  const auto& counts = conversation.counts();
  stats_.exchanges.exchanges += counts.exchanges;
  stats_.exchanges.unanswered += counts.unanswered;
  stats_.exchanges.unfinished += counts.unfinished;
  stats_.exchanges.dropped += counts.dropped;
  conversations_.erase(it);
}

}  // namespace reprise::importers
