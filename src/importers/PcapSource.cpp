#include "importers/PcapSource.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

#include "InputError.hpp"
#include "InputFile.hpp"
#include "importers/PacketDecoder.hpp"

namespace reprise::importers {
namespace {

constexpr int snap_length = 65536 + 256;  // the largest IP packet (also with offloads) and its link header
constexpr int kernel_buffer = 128 << 20;

std::string link_name(int linktype) {
  const char* name = pcap_datalink_val_to_name(linktype);
  return name ? std::string(name) : "DLT " + std::to_string(linktype);
}

}  // namespace

PcapSource::PcapSource(pcap_t* handle, std::string name, bool live)
    : handle_(handle), name_(std::move(name)), live_(live), linktype_(pcap_datalink(handle)) {}

PcapSource::PcapSource(PcapSource&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      name_(std::move(other.name_)),
      live_(other.live_),
      linktype_(other.linktype_),
      packets_(other.packets_) {}

PcapSource::~PcapSource() {
  if (handle_) pcap_close(handle_);
}

PcapSource PcapSource::open_file(const std::string& path) {
  check_readable(path);  // the OS's reason, and a directory refused before libpcap reads it
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error.data());
  if (!handle) {
    std::string_view why = error.data();
    if (why.starts_with(path + ": ")) why.remove_prefix(path.size() + 2);  // libpcap names the file too
    throw InputError(path, "", "not a readable pcap or pcapng file: " + std::string(why));
  }
  PcapSource source(handle, path, false);
  if (!link_type_supported(source.linktype()))
    throw InputError(path, "",
                     "link type " + link_name(source.linktype()) +
                         " is not supported (Ethernet, Linux cooked, loopback and raw IP are)");
  return source;
}

PcapSource PcapSource::open_live(const std::string& interface, const std::string& filter) {
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  pcap_t* handle = pcap_create(interface.c_str(), error.data());
  if (!handle) throw RuntimeFailure("cannot capture on " + interface + ": " + error.data());
  PcapSource source(handle, interface, true);
  pcap_set_snaplen(handle, snap_length);
  pcap_set_promisc(handle, 1);
  pcap_set_immediate_mode(handle, 1);  // each packet as it comes, so exchanges are written promptly
  pcap_set_buffer_size(handle, kernel_buffer);
  int status = pcap_activate(handle);
  if (status == PCAP_ERROR_PERM_DENIED || status == PCAP_ERROR_PROMISC_PERM_DENIED)
    throw RuntimeFailure(
        "cannot capture on " + interface +
        ": permission denied (run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN)");
  if (status == PCAP_ERROR_NO_SUCH_DEVICE)
    throw InputError("", "--interface", "no interface named " + interface);
  if (status < 0) throw RuntimeFailure("cannot capture on " + interface + ": " + pcap_geterr(handle));
  if (status > 0) spdlog::warn("capturing on {}: {}", interface, pcap_statustostr(status));
  source.linktype_ = pcap_datalink(handle);
  if (!link_type_supported(source.linktype_))
    throw RuntimeFailure("cannot record on " + interface + ": link type " + link_name(source.linktype_) +
                         " is not supported");
  bpf_program program{};
  if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    throw RuntimeFailure("cannot compile the filter '" + filter + "': " + pcap_geterr(handle));
  int set = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (set != 0) throw RuntimeFailure("cannot set the filter on " + interface + ": " + pcap_geterr(handle));
  if (pcap_setnonblock(handle, 1, error.data()) != 0)
    throw RuntimeFailure("cannot capture on " + interface + ": " + error.data());
  return source;
}

PcapSource::Next PcapSource::next(RawPacket& out) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int status = pcap_next_ex(handle_, &header, &data);
  if (status == 1) {
    out.number = ++packets_;
    out.time_us = static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
    out.data = std::string_view(reinterpret_cast<const char*>(data), header->caplen);
    out.wire_length = header->len;
    return Next::packet;
  }
  if (status == 0) return Next::idle;
  if (status == PCAP_ERROR_BREAK) return Next::end;
  if (live_) throw RuntimeFailure("capture on " + name_ + " failed: " + pcap_geterr(handle_));
  throw InputError(name_, "packet " + std::to_string(packets_ + 1), pcap_geterr(handle_));
}

bool PcapSource::wait(std::chrono::milliseconds timeout) {
  pollfd fd{pcap_get_selectable_fd(handle_), POLLIN, 0};
  return ::poll(&fd, 1, static_cast<int>(timeout.count())) > 0;
}

uint64_t PcapSource::dropped() const {
  pcap_stat stats{};
  if (!live_ || pcap_stats(handle_, &stats) != 0) return 0;
  return uint64_t{stats.ps_drop} + stats.ps_ifdrop;
}

}  // namespace reprise::importers
