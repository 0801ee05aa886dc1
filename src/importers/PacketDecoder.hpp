// Decodes one captured frame down to its TCP segment: the link layer (Ethernet with VLAN tags,
// Linux cooked v1 and v2, BSD loopback/null, raw IP), IPv4 or IPv6 (with extension headers), then
// TCP. Pure functions over the frame's bytes: no libpcap, no state, no reassembly. Views in the
// result point into the frame.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace reprise::importers {

struct Endpoint {
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes
  bool v6 = false;
  uint16_t port = 0;

  bool operator==(const Endpoint&) const = default;
  std::string ip_string() const;  // 127.0.0.1, ::1
  std::string to_string() const;  // 127.0.0.1:80, [::1]:80
};

struct TcpSegment {
  enum Flag : uint8_t { fin = 0x01, syn = 0x02, rst = 0x04, ack = 0x10 };

  Endpoint src, dst;
  uint32_t seq = 0;
  uint32_t ack_number = 0;
  uint8_t flags = 0;
  std::string_view payload;   // the bytes captured
  uint32_t payload_size = 0;  // the bytes sent: more than payload.size() when the capture cut the frame

  bool has(Flag f) const { return (flags & f) != 0; }
  bool cut() const { return payload.size() < payload_size; }
};

enum class Decoded {
  tcp,           // `out` holds the segment
  other,         // not TCP over IP (ARP, UDP, ICMP, ...): ignored
  fragment,      // an IP fragment: not reassembled, counted
  malformed,     // headers that contradict themselves or end early
  unknown_link,  // a link type this decoder does not read
};

// `linktype` is libpcap's DLT_ value for the capture.
Decoded decode_packet(int linktype, std::string_view frame, TcpSegment& out);

bool link_type_supported(int linktype);

}  // namespace reprise::importers
