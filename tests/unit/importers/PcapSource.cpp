#include "importers/PcapSource.hpp"

#include <pcap/dlt.h>

#include <catch2/catch.hpp>
#include <string>

#include "InputError.hpp"
#include "TcpFlow.hpp"
#include "TempFile.hpp"

using reprise::InputError;
using reprise::importers::PcapSource;
using reprise::importers::RawPacket;
using reprise::test::endpoint;
using reprise::test::TcpFlow;
using reprise::test::TempFile;

namespace {

// A pcap of the three handshake frames, written by libpcap.
void write_handshake(const TempFile& file, int64_t t0 = 1'700'000'000'123'456) {
  TcpFlow f(endpoint("127.0.0.1", 5000), endpoint("127.0.0.1", 80));
  std::vector<std::pair<int64_t, std::string>> frames;
  int64_t t = t0;
  for (const auto& s : f.handshake()) frames.emplace_back(t++, s.ethernet());
  reprise::test::write_pcap(file.path(), DLT_EN10MB, frames);
}

std::string error_of(const std::string& path) {
  try {
    auto source = PcapSource::open_file(path);
    RawPacket p;
    while (source.next(p) == PcapSource::Next::packet) {
    }
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a pcap file gives its frames in order with microsecond times") {
  TempFile file;
  write_handshake(file);
  auto source = PcapSource::open_file(file.path());
  CHECK(source.linktype() == DLT_EN10MB);
  RawPacket p;
  int n = 0;
  while (source.next(p) == PcapSource::Next::packet) {
    ++n;
    CHECK(p.number == static_cast<uint64_t>(n));
    CHECK(p.time_us == 1'700'000'000'123'456 + n - 1);
    CHECK(p.data.size() == 54);
    CHECK(p.wire_length == 54);
  }
  CHECK(n == 3);
}

TEST_CASE("a pcap cut inside a packet names the packet") {
  TempFile file;
  write_handshake(file);
  std::string bytes = file.read();
  file.write(bytes.substr(0, bytes.size() - 10));
  CHECK(error_of(file.path()) ==
        file.path() + ":packet 3: truncated dump file; tried to read 54 captured bytes, only got 44");
  file.write(bytes.substr(0, 24 + 16 + 54 + 5));  // inside the second packet's record header
  CHECK(error_of(file.path()).starts_with(file.path() + ":packet 2: truncated dump file"));
}

TEST_CASE("files that are not captures are refused with the file's name") {
  TempFile garbage("this is not a pcap file, only some text that goes on for a while\n");
  CHECK(error_of(garbage.path()) ==
        garbage.path() + ": not a readable pcap or pcapng file: unknown file format");
  CHECK(error_of("/nonexistent/x.pcap") == "/nonexistent/x.pcap: cannot be read: No such file or directory");
  TempFile empty;
  CHECK(error_of(empty.path()).starts_with(empty.path() + ": not a readable pcap or pcapng file"));
}

TEST_CASE("a capture of a link type that cannot be decoded is refused") {
  TempFile file;
  reprise::test::write_pcap(file.path(), DLT_IEEE802_11, {{0, std::string(40, '\0')}});
  CHECK(error_of(file.path()).find("link type IEEE802_11 is not supported") != std::string::npos);
}
