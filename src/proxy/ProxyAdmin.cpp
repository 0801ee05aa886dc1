#include "proxy/ProxyAdmin.hpp"

#include <spdlog/spdlog.h>

#include "InputError.hpp"
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

AdminResponse json_answer(const nlohmann::ordered_json& j) {
  return {200, "application/json", j.dump(2) + "\n", {}};
}

// PUT /mirror's body on top of `rule`; throws InputError naming the field.
mirror::MirrorRule changed_rule(std::string_view body, mirror::MirrorRule rule) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object())
    throw InputError("PUT /mirror", "", "the body must be a JSON object {\"factor\", \"match\"}");
  for (const auto& [key, value] : j.items())
    if (key != "factor" && key != "match")
      throw InputError("PUT /mirror", key, "is not a setting (factor, match)");
  if (j.contains("factor")) {
    if (!j["factor"].is_number() || j["factor"].get<double>() < 0)
      throw InputError("PUT /mirror", "factor", "must be a number, 0 or more");
    rule.factor = j["factor"].get<double>();
  }
  if (j.contains("match")) {
    rule.match = mirror::MirrorRule::parse_match(j["match"], "PUT /mirror");
    rule.match_source = rule.match ? j["match"] : nlohmann::json();
  }
  return rule;
}

}  // namespace

ProxyAdmin::ProxyAdmin(ProxyServer& server) : server_(server) {
  const ProxyConfig& config = server.config();
  if (config.sla) {
    sla_.window =
        std::make_unique<SlaWindow>(config.sla->thresholds, config.sla->window, config.sla->window_text);
    sla_.figures = [&server] { return server.figures(kCopyWait); };
    sla_.named = config.sla->sources;
  }
  if (config.mirror_sla && config.mirror) {
    const auto& f = *config.mirror_sla;
    mirror_sla_.window = std::make_unique<SlaWindow>(f.thresholds, f.window, f.window_text);
    mirror_sla_.figures = [m = config.mirror] { return m->figures(kCopyWait); };
    mirror_sla_.prefix = "mirror ";
    mirror_sla_.named = f.sources;
  }
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
  admin_->route("GET", "/mirror", [this](const AdminRequest& r) { return mirror_page(r); });
  admin_->route("PUT", "/mirror", [this](const AdminRequest& r) { return mirror_page(r); });
}

ProxyAdmin::~ProxyAdmin() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  for (Judge* j : {&sla_, &mirror_sla_})
    if (j->thread.joinable()) j->thread.join();
  admin_.reset();
}

void ProxyAdmin::start() {
  for (Judge* j : {&sla_, &mirror_sla_}) {
    if (!j->window) continue;
    j->window->add({}, clock::now());  // the baseline: nothing measured yet
    if (!j->named.empty())  // readings older than the window are forgotten: a proxy runs for months
      j->sources = std::make_unique<sources::SourcePoller>(j->named, clock::now(), j->window->window());
    j->thread = std::thread([this, j] { judge_every_step(*j); });
    spdlog::info("{}SLA: {} threshold(s) judged over a rolling {} window", j->prefix,
                 j->window->thresholds().size(), j->window->window_text());
  }
  if (admin_) {
    admin_->start();
    spdlog::info("admin on http://{} (/metrics, /healthz, /sla, /faults{}{})",
                 net::to_string(admin_->endpoint()), server_.config().mirror ? ", /mirror" : "",
                 server_.config().admin_token.empty() ? "" : "; a bearer token is needed");
  }
}

void ProxyAdmin::judge_every_step(Judge& judge) {
  auto next = clock::now();
  for (;;) {
    next += judge.window->step();
    {
      std::unique_lock lock(mutex_);
      if (stop_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    auto figures = judge.figures();
    if (!figures) continue;  // a worker is stopping: no snapshot this time
    std::vector<SlaChange> changes;
    {
      std::lock_guard lock(mutex_);
      const auto now = clock::now();
      changes = judge.window->add(*figures, now, window_gauges(judge, now));
    }
    for (const auto& c : changes) {
      if (c.started)
        spdlog::warn("{}{}", judge.prefix, c.text(judge.window->window_text()));
      else
        spdlog::info("{}{}", judge.prefix, c.text(judge.window->window_text()));
    }
  }
}

// Each source's samples read within the window that ends `now`.
SlaWindow::Gauges ProxyAdmin::window_gauges(const Judge& judge, clock::time_point now) {
  SlaWindow::Gauges out;
  if (!judge.sources) return out;
  const double end = std::chrono::duration<double>(now - judge.sources->start()).count();
  const double start = end - std::chrono::duration<double>(judge.window->window()).count();
  for (const auto& [name, series] : judge.sources->figures().series)
    if (auto stats = series.stats(start, end)) out[name] = *stats;
  return out;
}

std::vector<SlaVerdict> ProxyAdmin::verdicts(const Judge& judge) {
  if (!judge.window) return {};
  std::lock_guard lock(mutex_);
  return judge.window->verdicts();
}

AdminResponse ProxyAdmin::metrics_page() {
  auto figures = server_.figures(kCopyWait);
  auto injected = server_.faults_injected(kCopyWait);
  if (!figures || !injected) return text(503, "the proxy's workers did not answer in time (stopping?)\n");
  std::optional<MirrorFigures> mirror;
  if (auto* m = server_.config().mirror) {
    auto copies = m->figures(kCopyWait);
    if (!copies) return text(503, "the mirror's thread did not answer in time (stopping?)\n");
    mirror = MirrorFigures{std::move(*copies), verdicts(mirror_sla_), m->state()};
  }
  return {200,
          std::string(metrics::PrometheusText::kContentType),
          prometheus_text(*figures, verdicts(sla_), *injected, mirror ? &*mirror : nullptr),
          {}};
}

AdminResponse ProxyAdmin::sla_page() {
  if (!sla_.window && !mirror_sla_.window) return text(404, "no SLA: start the proxy with --sla FILE\n");
  std::lock_guard lock(mutex_);
  const auto now = clock::now();
  nlohmann::ordered_json page = sla_.window ? sla_.window->to_json(now) : nlohmann::ordered_json::object();
  if (mirror_sla_.window) page["mirror"] = mirror_sla_.window->to_json(now);
  return json_answer(page);
}

AdminResponse ProxyAdmin::mirror_page(const AdminRequest& request) {
  auto* m = server_.config().mirror;
  if (!m) return text(404, "no mirror: start the proxy with --mirror URL\n");
  if (request.method == "PUT") {
    try {
      auto rule = changed_rule(request.body, m->rule());
      server_.set_mirror_rule(rule);
      spdlog::info(
          "mirror: factor {}, {} (PUT /mirror)", rule.factor,
          rule.match ? "requests matching " + rule.match_source.dump() : std::string("every request"));
    } catch (const InputError& e) {
      return text(400, std::string(e.what()) + "\n");
    }
  }
  auto state = m->state();
  if (auto compared = m->comparison(std::chrono::seconds(2))) state["compare"] = std::move(*compared);
  return json_answer(state);
}

}  // namespace reprise::proxy
