// The proxy's measuring side, off the request path: `--admin ADDR` (GET /metrics in Prometheus's
// text format, GET /healthz, GET /sla, and with --mirror GET/PUT /mirror) and `--sla FILE` and
// `--mirror-sla FILE` (a thread each that takes a snapshot of the figures every
// SlaWindow::step(), judges the rolling window and logs each breach when it starts and when it
// ends). The same admin server carries the faults API (faults/FaultAdmin) and asks for
// --admin-token when one is given.
// It must not touch a worker's figures except through ProxyServer::figures(), nor the mirror's
// except through Mirror::figures().
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "faults/FaultAdmin.hpp"
#include "net/AdminServer.hpp"
#include "proxy/SlaWindow.hpp"
#include "sources/SourcePoller.hpp"

namespace reprise::proxy {

class ProxyServer;

class ProxyAdmin {
 public:
  // Binds --admin now (throws RuntimeFailure when it cannot); `server` outlives this.
  explicit ProxyAdmin(ProxyServer& server);
  ~ProxyAdmin();  // stops the windows' threads and the admin server
  ProxyAdmin(const ProxyAdmin&) = delete;
  ProxyAdmin& operator=(const ProxyAdmin&) = delete;

  void start();

 private:
  // One SLA judged over its window: the proxy's (--sla) or the mirror's (--mirror-sla).
  struct Judge {
    std::unique_ptr<SlaWindow> window;
    std::function<std::optional<metrics::FiguresByTag>()> figures;
    std::string prefix;                              // of its log lines: "" or "mirror "
    std::vector<sources::Source> named;              // the SLA file's sources
    std::unique_ptr<sources::SourcePoller> sources;  // reading them while the proxy runs
    std::thread thread;
  };
  void judge_every_step(Judge& judge);
  static SlaWindow::Gauges window_gauges(const Judge& judge, SlaWindow::clock::time_point now);
  std::vector<SlaVerdict> verdicts(const Judge& judge);
  net::AdminResponse metrics_page();
  net::AdminResponse sla_page();
  net::AdminResponse mirror_page(const net::AdminRequest& request);

  ProxyServer& server_;
  std::unique_ptr<net::AdminServer> admin_;
  std::unique_ptr<faults::FaultAdmin> faults_;  // /faults, with the admin server
  std::mutex mutex_;                            // guards the windows and stopping_
  Judge sla_, mirror_sla_;                      // a null window: none
  bool stopping_ = false;
  std::condition_variable stop_;
};

}  // namespace reprise::proxy
