// The executors: they decide when each iteration starts and on which VU, on every worker thread
// at once (each with its own io_context, VUs, connections and stats), and take this shard's
// share of the one-run plan. replay-timing starts each session at its recorded time; the closed
// models keep a number of VUs looping; the open models start iterations on schedule and count
// the ones no VU was free for. It knows nothing of files or flags.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/Tls.hpp"
#include "replay/Profile.hpp"
#include "replay/ReplayStats.hpp"
#include "replay/Session.hpp"
#include "sources/SourcePoller.hpp"

namespace reprise::replay {

struct RunOptions {
  boost::asio::ip::tcp::endpoint target;
  std::optional<net::ClientTlsSettings> target_tls;        // an https:// target
  std::optional<boost::asio::ip::tcp::endpoint> baseline;  // --baseline: a second known-good instance
  std::optional<net::ClientTlsSettings> baseline_tls;
  int threads = 1;
  bool io_uring = true;  // plain TCP reads and writes through each worker's io_uring
  int shard = 1;   // i of i/N, 1-based
  int shards = 1;  // N
  std::chrono::microseconds connect_timeout{5'000'000};
  std::chrono::microseconds request_timeout{60'000'000};
  double speed = 1;
  bool timeline = false;  // keep RunResult::timeline (for the summary and the HTML report)
};

struct RunResult {
  ReplayStats stats;
  double elapsed_s = 0;
  int64_t planned_iterations = -1;  // -1: the executor plans no count (constant-vus, ramping-vus)
  std::string cut_because;          // a monitor cut the run short (abortOnFail), and why
  std::string run;                  // the run's mark ({run}; automatic identities carry it)
  nlohmann::json timeline = nlohmann::json::array();  // a point a second (ReplayStats::timeline_point)
  sources::SourceFigures sources{};                   // the profile's sources, read while the run lasted
};

// Called about once a second, on a thread of its own, with the figures so far (each worker
// copies its own at a point of its choosing: no lock on the request path). A reason returned
// cuts the run: every iteration under way is interrupted and nothing new starts.
using RunMonitor = std::function<std::optional<std::string>(const RunResult& so_far)>;

// This shard's share of a plan: what `--shard i/N` keeps of the one-run numbering.
struct ShardShare {
  int shard = 1;
  int shards = 1;
  bool owns(uint64_t n) const {
    return n % static_cast<uint64_t>(shards) == static_cast<uint64_t>(shard - 1);
  }
};

// How many iterations this shard will start, as planned (before any is dropped).
int64_t planned_iterations(const std::vector<Session>& sessions, const Profile& profile, ShardShare share);

RunResult run_replay(const SessionBuild& plan, const Profile& profile, const RunOptions& options,
                     const RunMonitor& monitor = {});

}  // namespace reprise::replay
