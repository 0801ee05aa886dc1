// Packets from libpcap: a capture file (pcap or pcapng, whatever libpcap reads) or a live
// interface with a BPF filter. Says which link type the frames have and hands them out one at a
// time, with their wall-clock times in microseconds. It does not decode frames.
#pragma once

#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace reprise::importers {

struct RawPacket {
  uint64_t number = 0;       // 1 for the first packet
  int64_t time_us = 0;       // microseconds since the Unix epoch
  std::string_view data;     // the bytes captured; valid until the next call to next()
  uint32_t wire_length = 0;  // the frame's length on the wire
};

class PcapSource {
 public:
  // Throws InputError(path, "", problem) when the file cannot be read as a capture, or holds
  // frames of a link type reprise cannot decode.
  static PcapSource open_file(const std::string& path);
  // Captures on `interface` with `filter` (BPF), non-blocking. Throws RuntimeFailure when
  // capturing is not allowed or fails, InputError("", "--interface", ...) for an unknown interface.
  static PcapSource open_live(const std::string& interface, const std::string& filter);

  PcapSource(PcapSource&& other) noexcept;
  PcapSource& operator=(PcapSource&&) = delete;
  PcapSource(const PcapSource&) = delete;
  ~PcapSource();

  enum class Next { packet, idle, end };
  // The next packet. A file throws InputError(path, "packet N", problem) when it is cut off or
  // corrupt; a live source answers idle when no packet is waiting.
  Next next(RawPacket& out);
  // Live: waits until packets may be ready, `timeout` at most; false when it timed out or a
  // signal came.
  bool wait(std::chrono::milliseconds timeout);

  int linktype() const { return linktype_; }
  const std::string& name() const { return name_; }
  // Live: packets the kernel or the interface dropped because reprise fell behind.
  uint64_t dropped() const;

 private:
  PcapSource(pcap_t* handle, std::string name, bool live);

  pcap_t* handle_ = nullptr;
  std::string name_;
  bool live_ = false;
  int linktype_ = 0;
  uint64_t packets_ = 0;
};

}  // namespace reprise::importers
