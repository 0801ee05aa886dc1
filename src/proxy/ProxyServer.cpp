#include "proxy/ProxyServer.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "net/Address.hpp"
#include "net/Workers.hpp"
#include "proxy/ProxyWorker.hpp"

namespace reprise::proxy {

namespace asio = boost::asio;

int run_proxy(const ProxyConfig& config) {
  net::Workers workers(config.threads);
  std::atomic<size_t> open_connections{0};
  std::vector<std::unique_ptr<ProxyWorker>> proxies;
  for (int i = 0; i < workers.size(); ++i)
    proxies.push_back(std::make_unique<ProxyWorker>(workers.context(i), config, open_connections));
  for (auto& p : proxies) p->start();
  spdlog::info("proxy listening on {} -> http://{} ({} threads)", net::to_string(config.listen),
               net::to_string(config.upstream), workers.size());

  asio::io_context control;
  asio::signal_set signals(control, SIGINT, SIGTERM);
  asio::steady_timer deadline(control);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining for up to {} ms", sig,
                 std::chrono::duration_cast<std::chrono::milliseconds>(config.drain_timeout).count());
    for (int i = 0; i < workers.size(); ++i) {
      ProxyWorker* p = proxies[static_cast<size_t>(i)].get();
      asio::post(workers.context(i), [p] { p->drain(); });
    }
    deadline.expires_after(config.drain_timeout);
    deadline.async_wait([&](const boost::system::error_code& e) {
      if (!e) spdlog::warn("drain deadline passed: cutting {} open connections", open_connections.load());
      workers.stop();
    });
  });
  std::thread worker_threads([&] {
    workers.run();
    asio::post(control, [&] {
      signals.cancel();
      deadline.cancel();
    });
  });
  control.run();
  worker_threads.join();
  spdlog::info("proxy stopped");
  return 0;
}

}  // namespace reprise::proxy
