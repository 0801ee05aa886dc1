#include "importers/PcapImport.hpp"

#include <pcap/dlt.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "InputError.hpp"
#include "TcpFlow.hpp"
#include "TempFile.hpp"
#include "capture/CaptureReader.hpp"

using reprise::InputError;
using reprise::capture::CaptureReader;
using reprise::capture::Exchange;
using reprise::importers::import_pcap;
using reprise::importers::PcapImportConfig;
using reprise::test::endpoint;
using reprise::test::Seg;
using reprise::test::TcpFlow;
using reprise::test::TempFile;

namespace {

using Frames = std::vector<std::pair<int64_t, std::string>>;
constexpr int64_t t0 = 1'700'000'000'000'000;

// Two keep-alive exchanges on a connection to port 8080, a connection already open when the
// capture began, and one connection that is not HTTP.
Frames sample_traffic() {
  TcpFlow http(endpoint("10.1.1.1", 40000), endpoint("10.1.1.2", 8080));
  TcpFlow old(endpoint("10.1.1.1", 39999), endpoint("10.1.1.2", 8080));
  TcpFlow tls(endpoint("10.1.1.1", 40001), endpoint("10.1.1.2", 8080));
  old.handshake();
  std::vector<Seg> segs = http.handshake();
  segs.push_back(old.client("GET /old HTTP/1.1\r\n\r\n"));
  segs.push_back(http.client("POST /login HTTP/1.1\r\nHost: a\r\nContent-Length: 26\r\n\r\n"));
  segs.push_back(http.client("{\"password\":\"hunter2hunt\"}"));
  segs.push_back(http.server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  segs.push_back(http.client("GET /me HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n"));
  segs.push_back(http.server("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n{\"a\""));
  segs.push_back(http.server("}"));  // one byte past the Content-Length: not part of any exchange
  for (auto s : tls.handshake()) segs.push_back(s);
  segs.push_back(tls.client(std::string("\x16\x03\x01\x00\x05hello", 10)));
  segs.push_back(http.client_fin());
  segs.push_back(http.server_fin());
  Frames frames;
  int64_t t = t0;
  for (const auto& s : segs) frames.emplace_back(t += 1000, s.ethernet());
  return frames;
}

std::vector<Exchange> read_all(const std::string& path) {
  CaptureReader reader(path);
  CHECK(reader.header().source == "pcap");
  std::vector<Exchange> out;
  Exchange x;
  while (reader.next(x)) out.push_back(x);
  return out;
}

PcapImportConfig config(const std::string& in, const std::string& out, bool redact) {
  PcapImportConfig c;
  c.file = in;
  c.output = {out, "pcap", 65536, redact ? "default" : "none"};
  if (redact) c.redactor.emplace(reprise::capture::RedactionRules::defaults());
  return c;
}

}  // namespace

TEST_CASE("a pcap becomes a capture: exchanges in order, times from the first packet, secrets redacted") {
  TempFile pcap, out;
  reprise::test::write_pcap(pcap.path(), DLT_EN10MB, sample_traffic());
  auto c = config(pcap.path(), out.path(), true);
  c.port = 8080;
  auto result = import_pcap(std::move(c));
  CHECK(result.written == 2);
  CHECK(result.stats.tcp.mid_stream == 1);
  CHECK(result.stats.not_http_connections == 1);
  CHECK(result.stats.http_connections == 1);
  auto xs = read_all(out.path());
  REQUIRE(xs.size() == 2);
  CHECK(xs[0].id == 1);
  CHECK(xs[0].session == "tcp:10.1.1.1:40000");
  CHECK(xs[0].client == "10.1.1.1");
  CHECK(xs[0].t_us == 4000);  // the request's first packet, 3 ms after the capture's first
  CHECK(xs[0].req.target == "/login");
  CHECK(xs[0].req.body.data == "{\"password\":\"{{redacted:1}}\"}");
  CHECK(xs[0].res->ttfb_us == 2000);
  CHECK(xs[1].req.headers[0].second == "Bearer {{redacted:2}}");
  CHECK(xs[1].res->body.data == "{\"a\"");
  CHECK(access((out.path() + ".part").c_str(), F_OK) != 0);
}

TEST_CASE("without --port every connection that speaks HTTP is taken") {
  TempFile pcap, out;
  reprise::test::write_pcap(pcap.path(), DLT_EN10MB, sample_traffic());
  auto result = import_pcap(config(pcap.path(), out.path(), false));
  CHECK(result.written == 2);
  auto xs = read_all(out.path());
  CHECK(xs[0].req.body.data == "{\"password\":\"hunter2hunt\"}");
}

TEST_CASE("a pcap with no HTTP on the port is an error naming the file, and leaves no capture") {
  TempFile pcap, out;
  reprise::test::write_pcap(pcap.path(), DLT_EN10MB, sample_traffic());
  ::unlink(out.path().c_str());
  auto c = config(pcap.path(), out.path(), true);
  c.port = 9999;
  try {
    import_pcap(std::move(c));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).starts_with(pcap.path() + ": no HTTP exchange on TCP port 9999"));
  }
  CHECK(access(out.path().c_str(), F_OK) != 0);
  CHECK(access((out.path() + ".part").c_str(), F_OK) != 0);
}

TEST_CASE("a cut pcap is an error naming the packet, and leaves no capture") {
  TempFile pcap, out;
  reprise::test::write_pcap(pcap.path(), DLT_EN10MB, sample_traffic());
  std::string bytes = pcap.read();
  pcap.write(bytes.substr(0, bytes.size() - 3));
  ::unlink(out.path().c_str());
  try {
    import_pcap(config(pcap.path(), out.path(), true));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.place() == "packet " + std::to_string(sample_traffic().size()));
  }
  CHECK(access(out.path().c_str(), F_OK) != 0);
}

// Found by tests/fuzz/pcap.cpp (corpus/pcap/crash-status-000: its seed with "HTTP/1.1 000 OK" as
// the first answer): the import wrote status 0 into a capture that every reader then refused. Now
// the connection is given up as malformed HTTP, and the import says so.
TEST_CASE("an answer with a status below 100 is malformed HTTP, not a capture no reader takes") {
  TempFile out;
  std::string pcap = std::string(REPRISE_SOURCE_DIR) + "/tests/fuzz/corpus/pcap/crash-status-000";
  try {
    import_pcap(config(pcap, out.path(), true));
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == pcap +
                                       ": no HTTP exchange in any TCP connection (10 TCP segments, 1 "
                                       "connections from their start, 1 given up (malformed HTTP or bytes "
                                       "missing))");
  }
}
