// Reads every source of a run or of the proxy's SLA on a thread of its own: each at once, then
// every `every`, and once more when stopped (the run's end), each read bounded by a deadline.
// A read that fails (the endpoint down, a timeout, no such sample, a failed query) is no data:
// warned once when a source starts failing and once when it reads again, and counted; it never
// stops the run. The values, with the seconds since the poller started, are gauges thresholds
// judge. The poller knows nothing of thresholds or of what the run does.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sources/PrometheusAnswer.hpp"
#include "sources/Source.hpp"
#include "sources/SourceFigures.hpp"

namespace reprise::sources {

class SourcePoller {
 public:
  using clock = std::chrono::steady_clock;

  // Starts reading; `start` is the time the samples' seconds count from. With `keep`, readings
  // older than that are forgotten (the proxy's rolling window); without, a run keeps them all.
  explicit SourcePoller(std::vector<Source> sources, clock::time_point start = clock::now(),
                        std::optional<std::chrono::microseconds> keep = std::nullopt);
  ~SourcePoller();
  SourcePoller(const SourcePoller&) = delete;
  SourcePoller& operator=(const SourcePoller&) = delete;

  // Reads every source a last time (unless `read_last` is false) and stops; the figures stay.
  void stop(bool read_last = true);
  SourceFigures figures() const;
  clock::time_point start() const { return start_; }

 private:
  struct Polled;
  boost::asio::awaitable<void> poll(Polled& p);
  boost::asio::awaitable<Reading> read(Polled& p);
  void record(Polled& p, const Reading& r);

  clock::time_point start_;
  std::optional<std::chrono::microseconds> keep_;
  boost::asio::io_context ctx_;
  std::vector<std::unique_ptr<Polled>> polled_;
  mutable std::mutex mutex_;  // guards the figures: written by the thread, read by the run
  SourceFigures figures_;
  std::thread thread_;
  bool stopped_ = false, read_last_ = true;  // touched on the poller's thread only
};

}  // namespace reprise::sources
