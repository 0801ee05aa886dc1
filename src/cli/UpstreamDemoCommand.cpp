// `reprise upstream-demo --listen ADDR`: the built-in chat service (demo/DemoServer) alone, on
// one thread, until SIGINT or SIGTERM; --delivery-rate bounds how fast its notification topic is
// consumed; --regression and --noise-field make it depart from the contract on purpose
// (docs/demo.md). The service is demo/'s; this file only starts and stops it.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <set>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "demo/DemoServer.hpp"
#include "net/Address.hpp"

namespace reprise::cli {
namespace {

struct UpstreamDemoFlags {
  std::string listen;
  std::string heartbeat = "15s";
  std::vector<std::string> regressions;
  std::string noise_field;
  uint64_t delivery_rate = static_cast<uint64_t>(demo::kDefaultDeliveryRate);
};

demo::ChatOptions chat_options(const UpstreamDemoFlags& flags) {
  std::set<demo::Regression> kinds;
  for (const auto& name : flags.regressions)
    kinds.insert(*demo::regression_from_name(name));  // checked by CLI11
  return {demo::Regressions(std::move(kinds)), flags.noise_field};
}

}  // namespace

void add_upstream_demo_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<UpstreamDemoFlags>();
  auto* cmd = app.add_subcommand("upstream-demo", "The built-in chat service, in memory");
  cmd->add_option("--listen", flags->listen, "Address to listen on, host:port")->required();
  cmd->add_option("--heartbeat", flags->heartbeat, "Period of the SSE heartbeat comment")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--regression", flags->regressions,
                  "A deliberate regression, repeatable: renamed-field, number-string, status, sse-event, "
                  "empty-list (docs/demo.md)")
      ->check(CLI::IsMember(demo::regression_names()))
      ->delimiter(',');
  cmd->add_option("--noise-field", flags->noise_field,
                  "Every JSON object answer gains this field, a random 16-hex string per answer");
  cmd->add_option("--delivery-rate", flags->delivery_rate,
                  "Notification events a second the topic's consumer takes; 0: unbounded (docs/demo.md)")
      ->check(whole_number(0, 1'000'000'000))
      ->capture_default_str();
  cmd->callback([flags, &exit_code] {
    auto period = duration_flag(flags->heartbeat, "--heartbeat");
    boost::asio::io_context ctx(1);
    demo::DemoServer server(ctx, net::resolve(net::parse_host_port(flags->listen, "--listen")), period,
                            chat_options(*flags), static_cast<double>(flags->delivery_rate));
    server.start();
    boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });
    spdlog::info("chat service listening on http://{}", net::to_string(server.local_endpoint()));
    if (flags->delivery_rate > 0)
      spdlog::info("notifications delivered at most {} events/s (GET /metrics: consumer lag)",
                   flags->delivery_rate);
    else
      spdlog::info("notifications delivered unbounded (GET /metrics: consumer lag)");
    for (const auto& name : flags->regressions) spdlog::info("regression on: {}", name);
    ctx.run();
    exit_code = 0;
  });
}

}  // namespace reprise::cli
