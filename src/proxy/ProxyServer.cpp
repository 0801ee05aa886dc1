#include "proxy/ProxyServer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>

#include "net/Address.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;

ProxyServer::ProxyServer(ProxyConfig config) : config_(std::move(config)), workers_(config_.threads) {
  for (int i = 0; i < workers_.size(); ++i) {
    proxies_.push_back(std::make_unique<ProxyWorker>(i, workers_.context(i), config_, open_connections_));
    config_.listen = proxies_.back()->endpoint();  // a port 0 becomes the one the first bind got
  }
}

ProxyServer::~ProxyServer() {
  if (thread_.joinable()) {
    workers_.stop();
    thread_.join();
  }
}

void ProxyServer::start() {
  for (auto& p : proxies_) p->start();
  thread_ = std::thread([this] {
    workers_.run();
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  });
  spdlog::info("proxy listening on {} -> http://{} ({} threads)", net::to_string(config_.listen),
               net::to_string(config_.upstream), workers_.size());
}

void ProxyServer::drain() {
  {
    std::lock_guard lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() + config_.drain_timeout;
    changed_.notify_all();
  }
  for (int i = 0; i < workers_.size(); ++i) {
    ProxyWorker* p = proxies_[static_cast<size_t>(i)].get();
    asio::post(workers_.context(i), [p] { p->drain(); });
  }
}

void ProxyServer::wait() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    if (deadline_ == std::chrono::steady_clock::time_point::max()) {
      changed_.wait(lock);
    } else if (changed_.wait_until(lock, deadline_) == std::cv_status::timeout && !finished_) {
      spdlog::warn("drain deadline passed: cutting {} open connections", open_connections_.load());
      workers_.stop();
      break;
    }
  }
  lock.unlock();
  thread_.join();
}

int run_proxy(const ProxyConfig& config) {
  ProxyServer server(config);
  asio::io_context control;
  asio::signal_set signals(control, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining for up to {} ms", sig,
                 std::chrono::duration_cast<std::chrono::milliseconds>(config.drain_timeout).count());
    server.drain();
  });
  std::thread signal_thread([&] { control.run(); });
  server.start();
  server.wait();
  control.stop();
  signal_thread.join();
  spdlog::info("proxy stopped");
  return 0;
}

}  // namespace reprise::proxy
