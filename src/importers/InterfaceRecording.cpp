#include "importers/InterfaceRecording.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>

#include "importers/PcapSource.hpp"

namespace reprise::importers {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto poll_every = 50ms;    // also how soon a signal or the end of the duration is noticed
constexpr auto flush_every = 150ms;  // plus one poll: on disk within 200 ms
constexpr int packets_per_round = 4096;

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void request_stop(int) { stop_requested = 1; }

// SIGINT and SIGTERM end the recording for as long as it runs; the old handlers come back after.
class StopSignals {
 public:
  StopSignals() {
    stop_requested = 0;
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

InterfaceRecordingResult record_interface(InterfaceRecordingConfig config) {
  StopSignals signals;
  // Capturing is checked before the output exists: a refused capture leaves no empty file.
  auto source = PcapSource::open_live(config.interface, "tcp port " + std::to_string(config.port));
  CaptureOutput out(config.output, std::move(config.redactor));
  TrafficDecoder decoder(source.linktype(), {config.port, config.output.body_limit},
                         [&out](capture::Exchange&& x) { out.add(std::move(x)); });
  const int64_t base = wall_us();
  const auto started = steady::now();
  std::optional<steady::time_point> deadline;
  if (config.duration) deadline = started + *config.duration;
  spdlog::info("recording TCP port {} on {} to {}{}", config.port, config.interface, config.output.path,
               config.duration ? "" : " until SIGINT or SIGTERM");
  RawPacket packet;
  bool ended = false;
  while (!stop_requested && !ended) {
    auto now = steady::now();
    if (deadline && now >= *deadline) break;
    auto wait =
        deadline ? std::min<steady::duration>(poll_every, *deadline - now) : steady::duration(poll_every);
    source.wait(std::chrono::ceil<std::chrono::milliseconds>(wait));
    for (int i = 0; i < packets_per_round; ++i) {
      auto next = source.next(packet);
      if (next != PcapSource::Next::packet) {
        ended = next == PcapSource::Next::end;
        break;
      }
      decoder.packet(packet.data, std::max<int64_t>(0, packet.time_us - base));
    }
    out.flush_if_due(steady::now(), flush_every);
  }
  decoder.finish(wall_us() - base);
  out.flush();
  InterfaceRecordingResult result;
  result.written = out.written();
  result.kernel_drops = source.dropped();
  result.seconds = std::chrono::duration<double>(steady::now() - started).count();
  result.stats = decoder.stats();
  result.redacted = out.redaction_summary();
  return result;
}

}  // namespace reprise::importers
