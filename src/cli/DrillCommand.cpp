// `reprise drill CAPTURE --upstream URL --profile FILE --faults FILE`: starts a proxy with the
// faults in front of the upstream, replays the capture through it (cli/ReplayRun) and judges the
// SLA over the whole run and over each fault's window. The proxy and the replay are the other
// modules'; this file must only start, wire and stop them.
#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/ReplayRun.hpp"
#include "faults/FaultSet.hpp"
#include "net/Address.hpp"
#include "proxy/ProxyServer.hpp"

namespace reprise::cli {
namespace {

struct DrillFlags {
  ReplayRun replay;
  std::string upstream, faults;
  std::optional<uint64_t> seed;
  int proxy_threads = 1;
};

// The faults' windows on the run's clock. The run starts 20 ms after this is called (Runner's
// t0); fault windows count from the proxy's start.
std::vector<replay::RunWindow> fault_windows(const faults::FaultSet& faults,
                                             std::chrono::steady_clock::time_point proxy_started) {
  const double offset =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - proxy_started).count() + 0.02;
  auto seconds = [](faults::Duration d) { return std::chrono::duration<double>(d).count(); };
  std::vector<replay::RunWindow> windows;
  for (const auto& fault : faults.faults())
    if (fault.window)
      windows.push_back(
          {fault.name, seconds(fault.window->first) - offset,
           fault.window->second == faults::Duration::max() ? 1e12 : seconds(fault.window->second) - offset});
  return windows;
}

void run(const DrillFlags& f, int& exit_code) {
  proxy::ProxyConfig config;
  config.listen = net::resolve(net::parse_host_port("127.0.0.1:0", "--listen"));
  auto upstream = net::parse_url(f.upstream, "--upstream");
  config.upstream_tls = f.replay.tls.settings(upstream, "--upstream");
  config.upstream = net::resolve(upstream.host_port);
  config.forwarding.host = net::to_string(upstream.host_port);
  config.threads = f.proxy_threads;
  config.faults = faults::FaultSet::load(f.faults);
  if (f.replay.time_scale != 1)
    config.faults.scale_windows(f.replay.time_scale);  // with the profile's durations
  config.seed = f.seed;
  check_reachable(config.upstream, f.upstream, config.connect_timeout);
  proxy::ProxyServer proxy(config);
  auto started = std::chrono::steady_clock::now();
  auto start_proxy = [&] {  // once the capture and the profile are read: a bad one is one line
    proxy.start();
    started = std::chrono::steady_clock::now();
    return "http://" + net::to_string(proxy.endpoint());
  };
  f.replay.run(
      exit_code, [&] { return fault_windows(config.faults, started); }, start_proxy);
  proxy.drain();
  proxy.wait();
}

}  // namespace

void add_drill_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<DrillFlags>();
  auto* cmd = app.add_subcommand(
      "drill", "Proxy with faults in front of an upstream, replay a capture through it, judge the SLA");
  cmd->add_option("capture", f->replay.capture, "Capture file (.jsonl); default: the one the profile names");
  cmd->add_option("--upstream", f->upstream, "http://host[:port] or https://host[:port] of the service under the drill")
      ->required();
  f->replay.tls.add_to(*cmd, "");
  cmd->add_option("--profile", f->replay.profile, "Profile file (profiles/*.json)")->required();
  cmd->add_option("--faults", f->faults, "Fault file (windows count from the drill's start)")->required();
  cmd->add_option("--seed", f->seed, "Seed of the draws that pick which requests a fault hits")
      ->check(whole_number(0));
  cmd->add_option("--proxy-threads", f->proxy_threads, "The proxy's worker threads")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  cmd->add_option("--threads", f->replay.threads, "The replayer's worker threads")
      ->check(whole_number(1, 256))
      ->capture_default_str();
  f->replay.add_scale_flags(*cmd);
  f->replay.add_compare_flags(*cmd);
  f->replay.outputs.add_to(*cmd, RunOutputFlags::Command::drill);
  cmd->add_option("--request-timeout", f->replay.request_timeout, "Per request, from its intended start")
      ->check(duration())
      ->capture_default_str();
  cmd->callback([f, &exit_code] { run(*f, exit_code); });
}

}  // namespace reprise::cli
