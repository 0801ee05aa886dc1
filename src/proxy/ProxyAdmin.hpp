// The proxy's measuring side, off the request path: `--admin ADDR` (GET /metrics in Prometheus's
// text format, GET /healthz, GET /sla) and `--sla FILE` (a thread that takes a snapshot of the
// workers' figures every SlaWindow::step(), judges the rolling window and logs each breach when
// it starts and when it ends). The same admin server carries the faults API (faults/FaultAdmin)
// and asks for --admin-token when one is given.
// It must not touch a worker's figures except through ProxyServer::figures().
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "faults/FaultAdmin.hpp"
#include "net/AdminServer.hpp"
#include "proxy/SlaWindow.hpp"

namespace reprise::proxy {

class ProxyServer;

class ProxyAdmin {
 public:
  // Binds --admin now (throws RuntimeFailure when it cannot); `server` outlives this.
  explicit ProxyAdmin(ProxyServer& server);
  ~ProxyAdmin();  // stops the window's thread and the admin server
  ProxyAdmin(const ProxyAdmin&) = delete;
  ProxyAdmin& operator=(const ProxyAdmin&) = delete;

  void start();

 private:
  void judge_every_step();
  net::AdminResponse metrics_page();
  net::AdminResponse sla_page();

  ProxyServer& server_;
  std::unique_ptr<net::AdminServer> admin_;
  std::unique_ptr<faults::FaultAdmin> faults_;  // /faults, with the admin server
  std::mutex mutex_;                            // guards the three below
  std::unique_ptr<SlaWindow> window_;           // null without --sla
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread judge_thread_;
};

}  // namespace reprise::proxy
