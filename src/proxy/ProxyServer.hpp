// Runs the proxy: a worker per thread, each with its own listener and upstream pool. drain()
// stops accepting and lets in-flight exchanges finish; wait() returns when every worker is done
// or the drain deadline cut them. run_proxy adds SIGTERM/SIGINT handling for the command line.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/Workers.hpp"
#include "proxy/ProxyConfig.hpp"
#include "metrics/TagSeries.hpp"

namespace reprise::proxy {

class ProxyWorker;

class ProxyServer {
 public:
  // Binds every listener (port 0 picks one port for all); throws RuntimeFailure if it cannot.
  explicit ProxyServer(ProxyConfig config);
  ~ProxyServer();

  void start();
  void drain();
  // Blocks until all workers ended, cutting them when `drain_timeout` passes after drain().
  void wait();
  boost::asio::ip::tcp::endpoint endpoint() const { return config_.listen; }
  const ProxyConfig& config() const { return config_; }
  // From another thread, when measuring: every worker copies its figures on its own thread
  // (posted to it, so the request path takes no lock) and the copies are added up. nullopt when
  // a worker did not answer within `wait` (it is stopping).
  std::optional<metrics::FiguresByTag> figures(std::chrono::milliseconds wait);
  // The injections each fault made, by name, gathered the same way.
  std::optional<std::map<std::string, uint64_t>> faults_injected(std::chrono::milliseconds wait);
  // Every worker takes `set` on its own thread, for its next request.
  void set_faults(std::shared_ptr<const faults::FaultSet> set);
  // The mirror and every worker (on its own thread) take `rule` for the next request.
  void set_mirror_rule(const mirror::MirrorRule& rule);
  // Every worker takes `tls` for its next connection (SIGHUP: the certificate re-read).
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls);

 private:
  bool workers_ended();
  // Runs `copy(worker)` on every worker's thread and adds the results with `add`.
  template <class T, class Copy, class Add>
  std::optional<T> gather(std::chrono::milliseconds wait, Copy copy, Add add);

  ProxyConfig config_;
  net::Workers workers_;
  std::atomic<size_t> open_connections_{0};
  std::vector<std::unique_ptr<ProxyWorker>> proxies_;
  std::thread thread_;
  std::mutex mutex_;  // control thread only: guards the two fields below
  std::condition_variable changed_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool finished_ = false;
};

// Blocks until SIGTERM/SIGINT and the drain after it; returns the exit code.
int run_proxy(const ProxyConfig& config);

}  // namespace reprise::proxy
