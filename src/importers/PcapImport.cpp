#include "importers/PcapImport.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "InputError.hpp"
#include "importers/PcapSource.hpp"

namespace reprise::importers {
namespace {

// The output being written; removed unless the import gets to the end.
class PartialFile {
 public:
  explicit PartialFile(std::string path) : path_(std::move(path)) {}
  ~PartialFile() {
    if (!done_) std::remove(path_.c_str());
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  void rename_to(const std::string& target) {
    if (std::rename(path_.c_str(), target.c_str()) != 0)
      throw RuntimeFailure("cannot write capture " + target + ": " + std::strerror(errno));
    done_ = true;
  }

 private:
  std::string path_;
  bool done_ = false;
};

std::string nothing_found(const TrafficStats& s, const TrafficOptions& traffic) {
  std::string where = traffic.port ? "on TCP port " + std::to_string(*traffic.port) : "in any TCP connection";
  std::string out = "no HTTP exchange " + where + " (" + std::to_string(s.segments) + " TCP segments";
  if (traffic.port) out += " on the port";
  out += ", " + std::to_string(s.tcp.connections) + " connections from their start";
  if (s.tcp.mid_stream)
    out += ", " + std::to_string(s.tcp.mid_stream) + " already open when the capture began";
  if (s.not_http_connections) out += ", " + std::to_string(s.not_http_connections) + " not HTTP";
  if (s.broken_connections)
    out += ", " + std::to_string(s.broken_connections) + " given up (malformed HTTP or bytes missing)";
  out += ")";
  if (traffic.port && s.segments == 0) out += "; is --port the server's port?";
  if (s.tls_connections)
    out += "; " + std::to_string(s.tls_connections) +
           " TLS connection(s): encrypted, no capture can read them. Record through `reprise proxy --tls-cert "
           "FILE --tls-key FILE --record FILE` instead, or save a HAR in the browser";
  return out;
}

}  // namespace

PcapImportResult import_pcap(PcapImportConfig config) {
  auto source = PcapSource::open_file(config.file);
  OutputOptions output = config.output;
  output.path += ".part";
  PartialFile partial(output.path);
  CaptureOutput out(output, std::move(config.redactor));
  TrafficOptions traffic{config.port, config.output.body_limit};
  TrafficDecoder decoder(source.linktype(), traffic,
                         [&out](capture::Exchange&& x) { out.add(std::move(x)); });
  RawPacket packet;
  int64_t first = 0, last = 0;
  while (source.next(packet) == PcapSource::Next::packet) {
    if (packet.number == 1) first = packet.time_us;
    int64_t t_us = std::max<int64_t>(0, packet.time_us - first);
    last = std::max(last, t_us);
    decoder.packet(packet.data, t_us);
  }
  decoder.finish(last);
  out.flush();
  PcapImportResult result{out.written(), decoder.stats(), out.redaction_summary()};
  if (result.written == 0) throw InputError(config.file, "", nothing_found(result.stats, traffic));
  partial.rename_to(config.output.path);
  return result;
}

}  // namespace reprise::importers
