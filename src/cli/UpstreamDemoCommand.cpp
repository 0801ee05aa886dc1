// `reprise upstream-demo --listen ADDR`: the built-in chat service (demo/DemoServer) alone, on
// one thread, until SIGINT or SIGTERM. The service is demo/'s; this file only starts and stops it.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "demo/DemoServer.hpp"
#include "net/Address.hpp"

namespace reprise::cli {

void add_upstream_demo_command(CLI::App& app, int& exit_code) {
  auto listen = std::make_shared<std::string>();
  auto heartbeat = std::make_shared<std::string>("15s");
  auto* cmd = app.add_subcommand("upstream-demo", "The built-in chat service, in memory");
  cmd->add_option("--listen", *listen, "Address to listen on, host:port")->required();
  cmd->add_option("--heartbeat", *heartbeat, "Period of the SSE heartbeat comment")
      ->check(duration())
      ->capture_default_str();
  cmd->callback([listen, heartbeat, &exit_code] {
    auto period = duration_flag(*heartbeat, "--heartbeat");
    boost::asio::io_context ctx(1);
    demo::DemoServer server(ctx, net::resolve(net::parse_host_port(*listen, "--listen")), period);
    server.start();
    boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });
    spdlog::info("chat service listening on http://{}", net::to_string(server.local_endpoint()));
    ctx.run();
    exit_code = 0;
  });
}

}  // namespace reprise::cli
