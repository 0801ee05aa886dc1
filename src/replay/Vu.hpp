// A virtual user: one keep-alive connection to the target and one session replayed at a time,
// top to bottom like blocking code: wait the think time, render the request with the live
// values, send it, read the answer, take the handouts it carries. Event streams are held open
// as recorded and their events counted. It counts into its thread's ReplayStats; it knows
// nothing of executors or schedules.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "capture/SseEvents.hpp"
#include "http/MessageParser.hpp"
#include "net/ByteBuffer.hpp"
#include "net/UpstreamPool.hpp"
#include "net/Watchdog.hpp"
#include "replay/Profile.hpp"
#include "replay/ReplayStats.hpp"
#include "replay/Session.hpp"

namespace reprise::replay {

using clock = std::chrono::steady_clock;

// What every VU of a run shares, read-only.
struct RunSettings {
  const Profile* profile = nullptr;
  std::chrono::microseconds request_timeout{60'000'000};
  double speed = 1;  // replay-timing
  int shard = 1;
  clock::time_point t0;                                    // the run's start
  clock::time_point hard_stop = clock::time_point::max();  // streams and waits end here
};

class Vu {
 public:
  Vu(net::UpstreamPool& pool, const RunSettings& run, ReplayStats& stats, int number);
  Vu(const Vu&) = delete;
  Vu& operator=(const Vu&) = delete;

  // Replays `session` once. `due` is the intended start: the first request's latency counts
  // from it, and with replay-timing every request waits for its recorded offset from it.
  boost::asio::awaitable<void> iterate(const Session& session, clock::time_point due);

  // Cuts the connection and any wait: the run is over.
  void abort();
  bool aborted() const { return aborted_; }
  int number() const { return number_; }

 private:
  enum class Sent { answered, failed, retry };
  boost::asio::awaitable<bool> wait_until(clock::time_point when);
  boost::asio::awaitable<bool> exchange(const Session& session, const Step& step, clock::time_point start);
  boost::asio::awaitable<Sent> attempt(const Step& step, clock::time_point start);
  boost::asio::awaitable<bool> read_body(const Step& step);
  boost::asio::awaitable<void> hold_stream(const Step& step, clock::time_point start);
  boost::asio::awaitable<size_t> read_some();
  void close();
  void begin_iteration(const Session& session);
  int64_t since_t0(clock::time_point t) const;

  net::UpstreamPool& pool_;
  const RunSettings& run_;
  ReplayStats& stats_;
  int number_;
  int iteration_ = 0;
  bool aborted_ = false;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  net::Watchdog dog_;
  net::ByteBuffer in_;
  http::MessageParser parser_{http::MessageParser::Type::response};
  capture::SseEvents sse_;
  capture::Stream events_;
  std::string out_;
  std::string body_;
  std::vector<std::string> live_;
  boost::system::error_code read_error_;
};

}  // namespace reprise::replay
