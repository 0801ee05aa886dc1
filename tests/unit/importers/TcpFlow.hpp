// Test helper: made-up TCP connections and the frames that carry them, so the pcap importer's
// tests build their packets in memory (and their pcap files through libpcap's own writer)
// instead of keeping binary fixtures. Only for tests.
#pragma once

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "importers/PacketDecoder.hpp"

namespace reprise::test {

using importers::Endpoint;
using importers::TcpSegment;

inline Endpoint endpoint(const std::string& ip, uint16_t port) {
  Endpoint e;
  e.v6 = ip.find(':') != std::string::npos;
  if (inet_pton(e.v6 ? AF_INET6 : AF_INET, ip.c_str(), e.ip.data()) != 1) throw std::invalid_argument(ip);
  e.port = port;
  return e;
}

inline void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v & 0xff));
}

inline void put32(std::string& s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v >> 16));
  put16(s, static_cast<uint16_t>(v & 0xffff));
}

// One segment, owning its payload; view() is what the decoder would hand out.
struct Seg {
  Endpoint src, dst;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  std::string payload;

  TcpSegment view() const {
    TcpSegment s;
    s.src = src, s.dst = dst, s.seq = seq, s.ack_number = ack, s.flags = flags;
    s.payload = payload;
    s.payload_size = static_cast<uint32_t>(payload.size());
    return s;
  }

  std::string tcp_bytes() const {
    std::string t;
    put16(t, src.port);
    put16(t, dst.port);
    put32(t, seq);
    put32(t, ack);
    t.push_back(static_cast<char>(5 << 4));  // no options
    t.push_back(static_cast<char>(flags));
    put16(t, 65535);
    put32(t, 0);  // checksum and urgent pointer: not checked by the importer
    return t + payload;
  }

  // The IP packet: IPv4 or IPv6 after the endpoints.
  std::string ip() const {
    std::string tcp = tcp_bytes(), p;
    if (!src.v6) {
      p.push_back(0x45);
      p.push_back(0);
      put16(p, static_cast<uint16_t>(20 + tcp.size()));
      put32(p, 0x00004000);  // id 0, don't fragment
      p.push_back(64);
      p.push_back(6);
      put16(p, 0);
      p.append(reinterpret_cast<const char*>(src.ip.data()), 4);
      p.append(reinterpret_cast<const char*>(dst.ip.data()), 4);
    } else {
      put32(p, 0x60000000);
      put16(p, static_cast<uint16_t>(tcp.size()));
      p.push_back(6);
      p.push_back(64);
      p.append(reinterpret_cast<const char*>(src.ip.data()), 16);
      p.append(reinterpret_cast<const char*>(dst.ip.data()), 16);
    }
    return p + tcp;
  }

  // An Ethernet II frame (DLT_EN10MB).
  std::string ethernet() const {
    std::string f(12, '\x02');
    put16(f, src.v6 ? 0x86dd : 0x0800);
    return f + ip();
  }
};

// A connection whose two sides keep their own next sequence numbers.
class TcpFlow {
 public:
  TcpFlow(Endpoint client, Endpoint server, uint32_t client_isn = 1000, uint32_t server_isn = 500000)
      : client_(client), server_(server), cseq_(client_isn), sseq_(server_isn) {}

  Seg syn() { return make(true, TcpSegment::syn, "", cseq_++, 0); }
  Seg syn_ack() { return make(false, TcpSegment::syn | TcpSegment::ack, "", sseq_++, cseq_); }
  Seg ack() { return make(true, TcpSegment::ack, "", cseq_, sseq_); }
  Seg client(const std::string& data) { return advance(true, data, 0); }
  Seg server(const std::string& data) { return advance(false, data, 0); }
  Seg client_fin() { return advance(true, "", TcpSegment::fin); }
  Seg server_fin() { return advance(false, "", TcpSegment::fin); }
  Seg client_rst() { return make(true, TcpSegment::rst | TcpSegment::ack, "", cseq_, sseq_); }
  // A client segment at a chosen sequence number, which moves nothing (retransmissions, overlaps).
  Seg client_at(uint32_t seq, const std::string& data) {
    return make(true, TcpSegment::ack, data, seq, sseq_);
  }
  // The three handshake segments.
  std::vector<Seg> handshake() { return {syn(), syn_ack(), ack()}; }

  uint32_t client_seq() const { return cseq_; }
  const Endpoint& client_end() const { return client_; }
  const Endpoint& server_end() const { return server_; }

 private:
  Seg make(bool from_client, uint8_t flags, const std::string& data, uint32_t seq, uint32_t ack) const {
    return Seg{from_client ? client_ : server_, from_client ? server_ : client_, seq, ack, flags, data};
  }
  Seg advance(bool from_client, const std::string& data, uint8_t extra) {
    uint32_t& mine = from_client ? cseq_ : sseq_;
    Seg s = make(from_client, TcpSegment::ack | extra, data, mine, from_client ? sseq_ : cseq_);
    mine += static_cast<uint32_t>(data.size()) + ((extra & TcpSegment::fin) ? 1 : 0);
    return s;
  }

  Endpoint client_, server_;
  uint32_t cseq_, sseq_;
};

// Writes frames to a pcap file with libpcap's own writer; times in microseconds since the epoch.
inline void write_pcap(const std::string& path, int linktype,
                       const std::vector<std::pair<int64_t, std::string>>& frames) {
  pcap_t* dead = pcap_open_dead(linktype, 262144);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (!dumper) throw std::runtime_error(pcap_geterr(dead));
  for (const auto& [t_us, frame] : frames) {
    pcap_pkthdr h{};
    h.ts.tv_sec = t_us / 1'000'000;
    h.ts.tv_usec = t_us % 1'000'000;
    h.caplen = h.len = static_cast<bpf_u_int32>(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, reinterpret_cast<const u_char*>(frame.data()));
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

}  // namespace reprise::test
