#include "proxy/ProxyAdmin.hpp"

#include <spdlog/spdlog.h>

#include "metrics/PrometheusText.hpp"
#include "net/Address.hpp"
#include "proxy/ProxyMetricsText.hpp"
#include "proxy/ProxyServer.hpp"

namespace reprise::proxy {
namespace {

using net::AdminRequest;
using net::AdminResponse;
using clock = std::chrono::steady_clock;

// Long enough for a busy worker to get to the copy; short enough for a scrape or a tick.
constexpr std::chrono::milliseconds kCopyWait{2000};

AdminResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace

ProxyAdmin::ProxyAdmin(ProxyServer& server) : server_(server) {
  const ProxyConfig& config = server.config();
  if (config.sla)
    window_ =
        std::make_unique<SlaWindow>(config.sla->thresholds, config.sla->window, config.sla->window_text);
  if (!config.admin) return;
  admin_ = std::make_unique<net::AdminServer>(*config.admin);
  if (!config.admin_token.empty()) admin_->require_token(config.admin_token);
  faults_ = std::make_unique<faults::FaultAdmin>(
      config.faults,
      [&server](std::shared_ptr<const faults::FaultSet> set) { server.set_faults(std::move(set)); });
  faults_->add_routes(*admin_);
  admin_->route("GET", "/metrics", [this](const AdminRequest&) { return metrics_page(); });
  admin_->route("GET", "/healthz", [](const AdminRequest&) { return text(200, "ok\n"); });
  admin_->route("GET", "/sla", [this](const AdminRequest&) { return sla_page(); });
}

ProxyAdmin::~ProxyAdmin() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (judge_thread_.joinable()) judge_thread_.join();
  admin_.reset();
}

void ProxyAdmin::start() {
  if (window_) {
    window_->add({}, clock::now());  // the baseline: nothing measured yet
    judge_thread_ = std::thread([this] { judge_every_step(); });
    spdlog::info("SLA: {} threshold(s) judged over a rolling {} window", window_->thresholds().size(),
                 window_->window_text());
  }
  if (admin_) {
    admin_->start();
    spdlog::info("admin on http://{} (/metrics, /healthz, /sla, /faults{})",
                 net::to_string(admin_->endpoint()),
                 server_.config().admin_token.empty() ? "" : "; a bearer token is needed");
  }
}

void ProxyAdmin::judge_every_step() {
  auto next = clock::now();
  for (;;) {
    next += window_->step();
    {
      std::unique_lock lock(mutex_);
      if (stop_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    auto figures = server_.figures(kCopyWait);
    if (!figures) continue;  // a worker is stopping: no snapshot this time
    std::vector<SlaChange> changes;
    {
      std::lock_guard lock(mutex_);
      changes = window_->add(*figures, clock::now());
    }
    for (const auto& c : changes) {
      if (c.started)
        spdlog::warn("{}", c.text(window_->window_text()));
      else
        spdlog::info("{}", c.text(window_->window_text()));
    }
  }
}

AdminResponse ProxyAdmin::metrics_page() {
  auto figures = server_.figures(kCopyWait);
  auto injected = server_.faults_injected(kCopyWait);
  if (!figures || !injected) return text(503, "the proxy's workers did not answer in time (stopping?)\n");
  std::vector<SlaVerdict> verdicts;
  if (window_) {
    std::lock_guard lock(mutex_);
    verdicts = window_->verdicts();
  }
  return {200,
          std::string(metrics::PrometheusText::kContentType),
          prometheus_text(*figures, verdicts, *injected),
          {}};
}

AdminResponse ProxyAdmin::sla_page() {
  if (!window_) return text(404, "no SLA: start the proxy with --sla FILE\n");
  std::lock_guard lock(mutex_);
  return {200, "application/json", window_->to_json(clock::now()).dump(2) + "\n", {}};
}

}  // namespace reprise::proxy
