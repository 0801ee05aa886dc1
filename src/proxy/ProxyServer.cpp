#include "proxy/ProxyServer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <functional>

#include "net/Address.hpp"
#include "net/Tls.hpp"
#include "proxy/ProxyAdmin.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;

ProxyServer::ProxyServer(ProxyConfig config)
    : config_(std::move(config)), workers_(config_.threads, config_.io_uring) {
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
  // The sessions that stop() or the drain deadline cut are coroutine frames, or held sessions'
  // waits, still queued in the io_contexts, and each points at its ProxyWorker: they go first,
  // while proxies_ still lives.
  workers_.shutdown();
}

void ProxyServer::start() {
  config_.started = std::chrono::steady_clock::now();  // fault windows count from here
  for (auto& p : proxies_) p->start();
  thread_ = std::thread([this] {
    workers_.run();
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  });
  spdlog::info("proxy listening on {}{} -> {}://{} ({} threads)", net::to_string(config_.listen),
               config_.listen_tls ? " (TLS)" : "", config_.upstream_tls ? "https" : "http",
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

template <class T, class Copy, class Add>
std::optional<T> ProxyServer::gather(std::chrono::milliseconds wait, Copy copy, Add add) {
  struct Gathered {
    std::mutex mutex;
    std::condition_variable done;
    T sum;
    size_t left;
  };
  auto g = std::make_shared<Gathered>();
  g->left = proxies_.size();
  for (int i = 0; i < workers_.size(); ++i) {
    ProxyWorker* p = proxies_[static_cast<size_t>(i)].get();
    asio::post(workers_.context(i), [g, p, copy, add] {
      T mine = copy(*p);
      std::lock_guard lock(g->mutex);
      add(g->sum, mine);
      if (--g->left == 0) g->done.notify_all();
    });
  }
  // In short waits, so that a caller is not held up long by workers that have already ended.
  const auto until = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(g->mutex);
  while (!g->done.wait_for(lock, std::chrono::milliseconds(50), [&] { return g->left == 0; })) {
    if (std::chrono::steady_clock::now() >= until || workers_ended()) return std::nullopt;
  }
  return std::move(g->sum);
}

std::optional<metrics::FiguresByTag> ProxyServer::figures(std::chrono::milliseconds wait) {
  return gather<metrics::FiguresByTag>(
      wait, [](ProxyWorker& p) { return p.stats() ? p.stats()->copy() : metrics::FiguresByTag{}; },
      metrics::add_figures);
}

std::optional<std::map<std::string, uint64_t>> ProxyServer::faults_injected(std::chrono::milliseconds wait) {
  using Counts = std::map<std::string, uint64_t>;
  return gather<Counts>(
      wait, [](ProxyWorker& p) { return p.faults_injected(); },
      [](Counts& into, const Counts& from) {
        for (const auto& [name, n] : from) into[name] += n;
      });
}

void ProxyServer::set_faults(std::shared_ptr<const faults::FaultSet> set) {
  for (int i = 0; i < workers_.size(); ++i) {
    ProxyWorker* p = proxies_[static_cast<size_t>(i)].get();
    asio::post(workers_.context(i), [p, set] { p->set_faults(set); });
  }
}

void ProxyServer::set_mirror_rule(const mirror::MirrorRule& rule) {
  config_.mirror->set_rule(rule);
  auto shared = std::make_shared<const mirror::MirrorRule>(rule);
  for (int i = 0; i < workers_.size(); ++i) {
    ProxyWorker* p = proxies_[static_cast<size_t>(i)].get();
    asio::post(workers_.context(i), [p, shared] { p->set_mirror_rule(shared); });
  }
}

void ProxyServer::set_tls(std::shared_ptr<asio::ssl::context> tls) {
  for (int i = 0; i < workers_.size(); ++i) {
    ProxyWorker* p = proxies_[static_cast<size_t>(i)].get();
    asio::post(workers_.context(i), [p, tls] { p->set_tls(tls); });
  }
}

bool ProxyServer::workers_ended() {
  std::lock_guard lock(mutex_);
  return finished_;
}

int run_proxy(const ProxyConfig& config) {
  ProxyServer server(config);
  // Binds --admin before anything starts; stopped before the workers go.
  std::unique_ptr<ProxyAdmin> admin =
      config.measuring() || config.mirror_sla ? std::make_unique<ProxyAdmin>(server) : nullptr;
  asio::io_context control;
  asio::signal_set signals(control, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining for up to {} ms", sig,
                 std::chrono::duration_cast<std::chrono::milliseconds>(config.drain_timeout).count());
    server.drain();
  });
  // SIGHUP re-reads the listener's certificate and key: new connections get them, open ones
  // keep theirs; a file that cannot be used leaves the old ones in place.
  asio::signal_set hangup(control);
  std::function<void()> await_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      try {
        server.set_tls(net::make_server_context(config.tls_cert, config.tls_key));
        spdlog::info("SIGHUP: certificate {} and key {} read again", config.tls_cert, config.tls_key);
      } catch (const std::exception& e) {
        spdlog::error("SIGHUP: kept the certificate in use: {}", e.what());
      }
      await_hangup();
    });
  };
  if (config.listen_tls) {
    hangup.add(SIGHUP);
    await_hangup();
  }
  std::thread signal_thread([&] { control.run(); });
  if (config.mirror) config.mirror->start();
  server.start();
  if (admin) admin->start();
  server.wait();
  admin.reset();
  if (config.mirror) config.mirror->stop();
  control.stop();
  signal_thread.join();
  spdlog::info("proxy stopped");
  return 0;
}

}  // namespace reprise::proxy
