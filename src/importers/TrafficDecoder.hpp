// The pcap pipeline after libpcap: decodes each frame to a TCP segment, keeps the server port
// asked for, reassembles each connection and runs one HttpConversation per connection, handing
// every finished exchange to the sink. Counts everything it skips. Shared by `import pcap` and
// `record`; it knows nothing of files, interfaces or capture writing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "importers/HttpConversation.hpp"
#include "importers/TcpReassembly.hpp"

namespace reprise::importers {

struct TrafficOptions {
  std::optional<uint16_t> port;  // the server port; none: every TCP connection that speaks HTTP
  uint64_t body_limit = uint64_t{64} * 1024;
};

struct TrafficStats {
  uint64_t packets = 0, bytes = 0;  // frames seen and their captured bytes
  uint64_t segments = 0;            // TCP segments on the port
  uint64_t not_tcp = 0, other_port = 0, fragments = 0, malformed = 0;
  uint64_t http_connections = 0, not_http_connections = 0, broken_connections = 0;
  uint64_t tls_connections = 0;  // of the not-HTTP ones: TLS, encrypted
  HttpConversation::Counts exchanges;
  TcpReassembly::Stats tcp;

  // One line for people: packets, bytes, connections followed and skipped, what was lost.
  std::string describe() const;
};

class TrafficDecoder : private TcpReassembly::Handler {
 public:
  TrafficDecoder(int linktype, TrafficOptions options, HttpConversation::Sink sink);

  // One captured frame; `t_us` from the capture's start.
  void packet(std::string_view frame, int64_t t_us);
  // The capture ended: open connections hand out what they have.
  void finish(int64_t t_us);

  TrafficStats stats() const;

 private:
  void on_open(const Connection& c, int64_t t_us) override;
  void on_data(const Connection& c, Direction dir, std::string_view bytes, int64_t t_us) override;
  void on_fin(const Connection& c, Direction dir, int64_t t_us) override;
  void on_gap(const Connection& c, Direction dir, int64_t t_us) override;
  void on_close(const Connection& c, CloseReason why, int64_t t_us) override;
  HttpConversation* find(const Connection& c);

  int linktype_;
  TrafficOptions options_;
  HttpConversation::Sink sink_;
  TcpReassembly tcp_;
  std::unordered_map<uint64_t, std::unique_ptr<HttpConversation>> conversations_;
  TrafficStats stats_;
  TcpSegment segment_;
};

}  // namespace reprise::importers
