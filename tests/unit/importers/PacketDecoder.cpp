#include "importers/PacketDecoder.hpp"

#include <pcap/dlt.h>

#include <catch2/catch.hpp>
#include <string>

#include "TcpFlow.hpp"

using reprise::importers::decode_packet;
using reprise::importers::Decoded;
using reprise::importers::TcpSegment;
using reprise::test::endpoint;
using reprise::test::put16;
using reprise::test::Seg;
using reprise::test::TcpFlow;

namespace {

Seg sample(bool v6 = false) {
  TcpFlow f(endpoint(v6 ? "2001:db8::1" : "192.168.1.10", 43210),
            endpoint(v6 ? "2001:db8::2" : "192.168.1.20", 8080), 7, 70000);
  f.syn();
  f.syn_ack();
  return f.client("GET / HTTP/1.1\r\n\r\n");
}

void check_sample(const TcpSegment& s, bool v6 = false) {
  CHECK(s.src.to_string() == (v6 ? "[2001:db8::1]:43210" : "192.168.1.10:43210"));
  CHECK(s.dst.to_string() == (v6 ? "[2001:db8::2]:8080" : "192.168.1.20:8080"));
  CHECK(s.seq == 8);
  CHECK(s.ack_number == 70001);
  CHECK(s.has(TcpSegment::ack));
  CHECK_FALSE(s.has(TcpSegment::syn));
  CHECK(s.payload == "GET / HTTP/1.1\r\n\r\n");
  CHECK_FALSE(s.cut());
}

}  // namespace

TEST_CASE("Ethernet frames with IPv4 and IPv6, with and without VLAN tags") {
  // The segment's payload points into the frame: every frame is kept while its segment is read.
  TcpSegment s;
  const std::string v4 = sample().ethernet(), v6 = sample(true).ethernet();
  REQUIRE(decode_packet(DLT_EN10MB, v4, s) == Decoded::tcp);
  check_sample(s);
  REQUIRE(decode_packet(DLT_EN10MB, v6, s) == Decoded::tcp);
  check_sample(s, true);
  std::string tagged = sample().ethernet();
  tagged.insert(12, std::string("\x81\x00\x00\x05\x81\x00\x00\x06", 8));  // two stacked 802.1Q tags
  REQUIRE(decode_packet(DLT_EN10MB, tagged, s) == Decoded::tcp);
  check_sample(s);
}

TEST_CASE("Ethernet padding after a short packet is not payload") {
  TcpFlow f(endpoint("10.0.0.1", 1), endpoint("10.0.0.2", 2));
  std::string frame = f.syn().ethernet() + std::string(6, '\0');  // padded to 60 bytes
  TcpSegment s;
  REQUIRE(decode_packet(DLT_EN10MB, frame, s) == Decoded::tcp);
  CHECK(s.payload.empty());
  CHECK(s.payload_size == 0);
  CHECK(s.has(TcpSegment::syn));
}

TEST_CASE("Linux cooked v1 and v2, BSD loopback and raw IP") {
  std::string ip = sample().ip(), ip6 = sample(true).ip();
  TcpSegment s;
  std::string sll(14, '\0');
  put16(sll, 0x0800);
  const std::string cooked = sll + ip;
  REQUIRE(decode_packet(DLT_LINUX_SLL, cooked, s) == Decoded::tcp);
  check_sample(s);
  std::string sll2;
  put16(sll2, 0x86dd);
  sll2.append(18, '\0');
  const std::string cooked2 = sll2 + ip6;
  REQUIRE(decode_packet(DLT_LINUX_SLL2, cooked2, s) == Decoded::tcp);
  check_sample(s, true);
  const std::string null_v4 = std::string("\x02\0\0\0", 4) + ip;  // AF_INET, little-endian
  REQUIRE(decode_packet(DLT_NULL, null_v4, s) == Decoded::tcp);
  check_sample(s);
  const std::string loop_v6 = std::string("\0\0\0\x1e", 4) + ip6;  // AF_INET6 (macOS)
  REQUIRE(decode_packet(DLT_LOOP, loop_v6, s) == Decoded::tcp);
  check_sample(s, true);
  REQUIRE(decode_packet(DLT_RAW, ip, s) == Decoded::tcp);
  check_sample(s);
  REQUIRE(decode_packet(DLT_IPV6, ip6, s) == Decoded::tcp);
  check_sample(s, true);
}

TEST_CASE("IPv6 extension headers are walked to the TCP header") {
  std::string ip6 = sample(true).ip();
  // hop-by-hop options (8 bytes) between the fixed header and TCP
  std::string ext("\x06\x00\x01\x04\x00\x00\x00\x00", 8);
  std::string with_ext = ip6.substr(0, 40) + ext + ip6.substr(40);
  with_ext[6] = 0;  // next header: hop-by-hop
  uint16_t length = static_cast<uint16_t>(ip6.size() - 40 + 8);
  with_ext[4] = static_cast<char>(length >> 8);
  with_ext[5] = static_cast<char>(length & 0xff);
  TcpSegment s;
  REQUIRE(decode_packet(DLT_RAW, with_ext, s) == Decoded::tcp);
  check_sample(s, true);
}

TEST_CASE("a frame the capture cut short keeps what it has and says how much was sent") {
  const std::string frame = sample().ethernet(), cut = frame.substr(0, frame.size() - 5);
  TcpSegment s;
  REQUIRE(decode_packet(DLT_EN10MB, cut, s) == Decoded::tcp);
  CHECK(s.payload == "GET / HTTP/1.");
  CHECK(s.payload_size == 18);
  CHECK(s.cut());
}

TEST_CASE("fragments, other protocols, broken headers and unknown link types are told apart") {
  TcpSegment s;
  std::string ip = sample().ip();
  std::string fragment = ip;
  fragment[6] = 0x20;  // more fragments
  CHECK(decode_packet(DLT_RAW, fragment, s) == Decoded::fragment);
  std::string udp = ip;
  udp[9] = 17;
  CHECK(decode_packet(DLT_RAW, udp, s) == Decoded::other);
  std::string arp(12, '\0');
  put16(arp, 0x0806);
  CHECK(decode_packet(DLT_EN10MB, arp + std::string(28, '\0'), s) == Decoded::other);
  CHECK(decode_packet(DLT_RAW, ip.substr(0, 30), s) == Decoded::malformed);  // TCP header cut
  CHECK(decode_packet(DLT_EN10MB, "short", s) == Decoded::malformed);
  std::string bad_offset = ip;
  bad_offset[20 + 12] = 0x20;  // TCP data offset 8 bytes: less than the minimum
  CHECK(decode_packet(DLT_RAW, bad_offset, s) == Decoded::malformed);
  CHECK(decode_packet(DLT_IEEE802_11, ip, s) == Decoded::unknown_link);
}
