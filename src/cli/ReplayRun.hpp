// A replay run as `replay` and `drill` start it: the values of the flags they share, and the
// run made from them (capture and profile read, sessions built, the target checked, the
// executor run, the results written). The commands own their flags' registration and anything
// else they start (a drill's proxy); this knows nothing of CLI11 beyond adding the flags worded
// the same in both.
#pragma once

#include <CLI/App.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cli/RunOutputFlags.hpp"
#include "cli/TlsFlags.hpp"
#include "replay/RunReport.hpp"

namespace reprise::cli {

// Called just before the run starts: the stretches of it to judge apart (a drill's fault windows).
using WindowsAtStart = std::function<std::vector<replay::RunWindow>()>;
// Called once the inputs are read: starts what the run goes through (a drill's proxy), its URL.
using TargetAtStart = std::function<std::string()>;

struct ReplayRun {
  std::string capture, target, profile, shard = "1/1";
  std::string connect_timeout = "5s", request_timeout = "60s";
  double speed = 0, time_scale = 1, load_scale = 1;
  int threads = 1;
  bool io_uring = true;
  bool no_correlate = false, keep_host = false;
  bool compare = false;  // --compare: each answer compared with the recorded one
  std::string baseline;  // --baseline URL: a second known-good instance (Diffy's noise)
  RunOutputFlags outputs;
  TlsFlags tls;  // replay: the target's; drill: its upstream's

  // --time-scale and --load-scale.
  void add_scale_flags(CLI::App& cmd);
  // --compare.
  void add_compare_flags(CLI::App& cmd);
  // Sets `exit_code` (0, or 99 when a threshold is breached); throws InputError for a bad
  // capture, profile or flag, RuntimeFailure for an unreachable target.
  void run(int& exit_code, const WindowsAtStart& windows = {}, const TargetAtStart& start_target = {}) const;
};

// A TCP connect before the run: an unreachable target is one line and exit 2, not N errors.
void check_reachable(const boost::asio::ip::tcp::endpoint& target, const std::string& url,
                     std::chrono::microseconds timeout, const std::string& what = "target");

}  // namespace reprise::cli
