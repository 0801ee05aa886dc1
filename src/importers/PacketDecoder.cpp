#include "importers/PacketDecoder.hpp"

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include <algorithm>
#include <cstring>

namespace reprise::importers {
namespace {

constexpr uint16_t ethertype_ipv4 = 0x0800, ethertype_ipv6 = 0x86dd;
constexpr uint8_t ip_tcp = 6;

uint16_t be16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) << 8 | static_cast<uint8_t>(b[at + 1]));
}

uint32_t be32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

uint8_t byte(std::string_view b, size_t at) { return static_cast<uint8_t>(b[at]); }

// `ip_payload` is the transport header and data as far as the frame holds them; `sent` is how
// many bytes the IP header says were sent.
Decoded decode_tcp(std::string_view ip_payload, size_t sent, TcpSegment& out) {
  if (ip_payload.size() < 20 || sent < 20) return Decoded::malformed;
  size_t header = static_cast<size_t>(byte(ip_payload, 12) >> 4) * 4;
  if (header < 20 || header > ip_payload.size() || header > sent) return Decoded::malformed;
  out.src.port = be16(ip_payload, 0);
  out.dst.port = be16(ip_payload, 2);
  out.seq = be32(ip_payload, 4);
  out.ack_number = be32(ip_payload, 8);
  out.flags = byte(ip_payload, 13);
  out.payload = ip_payload.substr(header, std::min(ip_payload.size(), sent) - header);
  out.payload_size = static_cast<uint32_t>(sent - header);
  return Decoded::tcp;
}

Decoded decode_ipv4(std::string_view p, TcpSegment& out) {
  if (p.size() < 20) return Decoded::malformed;
  size_t header = static_cast<size_t>(byte(p, 0) & 0x0f) * 4;
  size_t total = be16(p, 2);
  if (total == 0) total = p.size();  // TCP segmentation offload: the length was left to the NIC
  if (header < 20 || header > p.size() || total < header) return Decoded::malformed;
  uint16_t fragment = be16(p, 6);
  if ((fragment & 0x3fff) != 0) return Decoded::fragment;  // more fragments, or an offset
  if (byte(p, 9) != ip_tcp) return Decoded::other;
  out.src = {}, out.dst = {};
  std::memcpy(out.src.ip.data(), p.data() + 12, 4);
  std::memcpy(out.dst.ip.data(), p.data() + 16, 4);
  // Frames shorter than the minimum Ethernet size are padded: the IP length says where data ends.
  return decode_tcp(p.substr(header, std::min(p.size(), total) - header), total - header, out);
}

Decoded decode_ipv6(std::string_view p, TcpSegment& out) {
  if (p.size() < 40) return Decoded::malformed;
  size_t sent = be16(p, 4);
  if (sent == 0) sent = p.size() - 40;  // jumbogram or offload
  uint8_t next = byte(p, 6);
  out.src = {}, out.dst = {};
  out.src.v6 = out.dst.v6 = true;
  std::memcpy(out.src.ip.data(), p.data() + 8, 16);
  std::memcpy(out.dst.ip.data(), p.data() + 24, 16);
  std::string_view rest = p.substr(40, std::min(p.size() - 40, sent));
  while (next != ip_tcp) {
    size_t length = 0;
    if (rest.size() < 8) return next == 59 ? Decoded::other : Decoded::malformed;
    switch (next) {
      case 0:   // hop-by-hop options
      case 43:  // routing
      case 60:  // destination options
        length = (static_cast<size_t>(byte(rest, 1)) + 1) * 8;
        break;
      case 51:  // authentication header
        length = (static_cast<size_t>(byte(rest, 1)) + 2) * 4;
        break;
      case 44:  // fragment: only an atomic fragment (offset 0, no more) is a whole packet
        if ((be16(rest, 2) & 0xfff9) != 0) return Decoded::fragment;
        length = 8;
        break;
      default:
        return Decoded::other;
    }
    if (length > rest.size() || length > sent) return Decoded::malformed;
    next = byte(rest, 0);
    rest.remove_prefix(length);
    sent -= length;
  }
  return decode_tcp(rest, sent, out);
}

Decoded decode_ip(std::string_view p, TcpSegment& out) {
  if (p.empty()) return Decoded::malformed;
  switch (byte(p, 0) >> 4) {
    case 4:
      return decode_ipv4(p, out);
    case 6:
      return decode_ipv6(p, out);
    default:
      return Decoded::other;
  }
}

Decoded decode_ethertype(uint16_t type, std::string_view p, TcpSegment& out) {
  if (type == ethertype_ipv4) return decode_ipv4(p, out);
  if (type == ethertype_ipv6) return decode_ipv6(p, out);
  return Decoded::other;
}

Decoded decode_ethernet(std::string_view f, TcpSegment& out) {
  if (f.size() < 14) return Decoded::malformed;
  uint16_t type = be16(f, 12);
  size_t at = 14;
  while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {  // VLAN tags, stacked or not
    if (f.size() < at + 4) return Decoded::malformed;
    type = be16(f, at + 2);
    at += 4;
  }
  return decode_ethertype(type, f.substr(at), out);
}

}  // namespace

std::string Endpoint::ip_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), text, sizeof text);
  return text;
}

std::string Endpoint::to_string() const {
  std::string out;
  if (v6) out += '[';
  out += ip_string();
  if (v6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

bool link_type_supported(int linktype) {
  switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return true;
    default:
      return false;
  }
}

Decoded decode_packet(int linktype, std::string_view f, TcpSegment& out) {
  switch (linktype) {
    case DLT_EN10MB:
      return decode_ethernet(f, out);
    case DLT_LINUX_SLL:
      return f.size() < 16 ? Decoded::malformed : decode_ethertype(be16(f, 14), f.substr(16), out);
    case DLT_LINUX_SLL2:
      return f.size() < 20 ? Decoded::malformed : decode_ethertype(be16(f, 0), f.substr(20), out);
    // The 4-byte address family is in the capturing host's byte order (NULL) or network order
    // (LOOP), with per-OS values for IPv6: the IP version nibble is the surer guide.
    case DLT_NULL:
    case DLT_LOOP:
      return f.size() < 4 ? Decoded::malformed : decode_ip(f.substr(4), out);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return decode_ip(f, out);
    default:
      return Decoded::unknown_link;
  }
}

}  // namespace reprise::importers
