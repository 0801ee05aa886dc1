// `reprise upstream-demo` (the built-in chat service alone) and `reprise demo` (the scripted
// walk through the proxy).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "demo/DemoScript.hpp"
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

void add_demo_command(CLI::App& app, int& exit_code) {
  auto record = std::make_shared<std::string>("demo-capture.jsonl");
  auto* cmd = app.add_subcommand("demo", "Chat service + proxy on loopback, a scripted session through them");
  cmd->add_option("--record", *record, "Capture of the session (empty: do not record)")
      ->capture_default_str();
  cmd->callback([record, &exit_code] { exit_code = demo::run_demo(*record); });
}

}  // namespace reprise::cli
