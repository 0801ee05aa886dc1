// `reprise replay CAPTURE --target URL --profile FILE`: reads the capture and the profile,
// builds the sessions, checks that the target answers a connect, runs the executor and prints
// what was achieved (and writes the summary file). `reprise merge` adds shard summaries up.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <charconv>
#include <fstream>
#include <memory>
#include <mutex>

#include "InputError.hpp"
#include "JsonFile.hpp"
#include "capture/CaptureReader.hpp"
#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "faults/FaultSet.hpp"
#include "metrics/AdminServer.hpp"
#include "net/Address.hpp"
#include "proxy/ProxyServer.hpp"
#include "replay/Identities.hpp"
#include "replay/RunInfo.hpp"
#include "replay/RunMetricsText.hpp"
#include "replay/RunMonitor.hpp"
#include "replay/RunReport.hpp"
#include "replay/Runner.hpp"
#include "replay/Session.hpp"
#include "replay/SummaryMerge.hpp"

namespace reprise::cli {
namespace {

struct ReplayFlags {
  std::string capture, target, profile, shard = "1/1", summary, junit, report, metrics;
  std::string connect_timeout = "5s", request_timeout = "60s";
  double speed = 0, time_scale = 1, load_scale = 1;
  int threads = 1;
  bool no_correlate = false, keep_host = false;
};

void parse_shard(const std::string& text, replay::RunOptions& options) {
  size_t slash = text.find('/');
  auto number = [&](std::string_view s, int& out) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), options.shard) ||
      !number(std::string_view(text).substr(slash + 1), options.shards) || options.shards < 1 ||
      options.shard < 1 || options.shard > options.shards)
    throw InputError("--shard", "", "'" + text + "' must be i/N with 1 <= i <= N");
}

// A TCP connect before the run: an unreachable target is one line and exit 2, not N errors.
void check_reachable(const boost::asio::ip::tcp::endpoint& target, const std::string& url,
                     std::chrono::microseconds timeout) {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::socket socket(ctx);
  boost::system::error_code result = boost::asio::error::timed_out;
  socket.async_connect(target, [&](const boost::system::error_code& ec) { result = ec; });
  ctx.run_for(timeout);
  if (result) throw RuntimeFailure("target " + url + " is unreachable: " + result.message());
}

// The run's monitor, which also keeps the latest figures for `--metrics ADDR` to serve.
replay::RunMonitor monitor_with_metrics(const std::string& address, const replay::Profile& profile) {
  auto monitor = replay::make_monitor(profile);
  if (address.empty()) return monitor;
  struct Latest {
    std::mutex mutex;
    std::string text;
  };
  auto latest = std::make_shared<Latest>();
  auto server = std::make_shared<metrics::AdminServer>(
      net::resolve(net::parse_host_port(address, "--metrics")), [latest] {
        std::lock_guard lock(latest->mutex);
        return latest->text;
      });
  spdlog::info("metrics on http://{}/metrics", net::to_string(server->endpoint()));
  return [monitor, latest, server](const replay::RunResult& so_far) {
    {
      std::lock_guard lock(latest->mutex);
      latest->text = replay::prometheus_text(so_far);
    }
    return monitor ? monitor(so_far) : std::nullopt;
  };
}

// A template meant to vary ({vu}, {iter}) that still gives one value twice is said before the
// run, not only in its failures; a constant (a password) is meant to repeat.
void warn_repeating_templates(const replay::Profile& profile, const replay::SessionBuild& built) {
  int users = 1;
  for (const auto& s : built.sessions) users = std::max(users, s.users);
  for (const auto& id : profile.identities)
    if (id.value_template.find('{') != std::string::npos &&
        replay::template_repeats(id.value_template, users))
      spdlog::warn("identities: '{}' takes \"{}\", which gives the same value {}; put {{copy}} in it",
                   id.field, id.value_template,
                   users > 1 ? "to every user of a session of " + std::to_string(users) + " users"
                             : "on every iteration of a VU");
}

// Called just before the run starts: the stretches of it to judge apart (a drill's fault windows).
using WindowsAtStart = std::function<std::vector<replay::RunWindow>()>;
// Called once the inputs are read: starts what the run goes through (a drill's proxy), its URL.
using TargetAtStart = std::function<std::string()>;

void run(const ReplayFlags& f, int& exit_code, const WindowsAtStart& windows = {},
         const TargetAtStart& start_target = {}) {
  replay::RunOptions options;
  parse_shard(f.shard, options);
  options.threads = f.threads;
  options.connect_timeout = duration_flag(f.connect_timeout, "--connect-timeout");
  options.request_timeout = duration_flag(f.request_timeout, "--request-timeout");
  auto profile = replay::Profile::load(f.profile);
  if (f.time_scale != 1) profile.scale_time(f.time_scale);
  if (f.load_scale != 1) profile.scale_load(f.load_scale);
  if (f.time_scale * f.load_scale != 1)
    spdlog::info("--time-scale {} and --load-scale {}: count thresholds scaled by {}", f.time_scale,
                 f.load_scale, f.time_scale * f.load_scale);
  const std::string capture = f.capture.empty() ? profile.capture : f.capture;
  if (capture.empty())
    throw InputError(f.profile, "",
                     "names no capture: give one on the command line or add \"capture\" to the profile");
  options.speed = f.speed > 0 ? f.speed : profile.speed;
  options.timeline = !f.summary.empty() || !f.report.empty() || windows;
  auto exchanges = capture::CaptureReader::read_all(capture);
  if (exchanges.empty()) throw InputError(capture, "", "holds no exchanges to replay");

  const std::string target = start_target ? start_target() : f.target;
  auto url = net::parse_http_url(target, "--target");
  replay::SessionOptions session_options;
  session_options.auto_correlate = !f.no_correlate && profile.correlate.automatic;
  if (!f.keep_host)
    session_options.host = url.port == 80 ? url.host : url.host + ":" + std::to_string(url.port);
  auto built = replay::build_sessions(std::move(exchanges), profile, session_options);
  if (built.sessions.empty())
    throw InputError(capture, "", "holds no HTTP exchanges to replay (only WebSocket)");
  warn_repeating_templates(profile, built);

  options.target = net::resolve(url);
  check_reachable(options.target, target, options.connect_timeout);
  auto info = replay::run_info(capture, target, f.profile, profile, options, built);
  spdlog::info("replaying {} sessions of {} to {} ({}, shard {}/{}, {} thread(s))", built.sessions.size(),
               capture, target, info.executor, options.shard, options.shards, options.threads);
  if (windows) info.windows = windows();
  auto result = replay::run_replay(built, profile, options, monitor_with_metrics(f.metrics, profile));
  exit_code = replay::finish_run(info, result, profile.thresholds, {f.summary, f.junit, f.report});
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ReplayFlags>();
  auto* cmd =
      app.add_subcommand("replay", "Replay a capture against a target at the rate and shape a profile asks");
  cmd->add_option("capture", f->capture, "Capture file (.jsonl); default: the one the profile names");
  cmd->add_option("--target", f->target, "http://host[:port] to send the traffic to")->required();
  cmd->add_option("--profile", f->profile, "Profile file (profiles/*.json)")->required();
  cmd->add_option("--speed", f->speed,
                  "replay-timing: speed multiplier (default: the profile's speed, else 1)")
      ->check(more_than_zero());
  cmd->add_option("--time-scale", f->time_scale, "Multiply every duration of the profile")
      ->check(more_than_zero(1000))
      ->capture_default_str();
  cmd->add_option("--load-scale", f->load_scale, "Multiply the profile's VUs, stage targets and rates")
      ->check(more_than_zero(1000))
      ->capture_default_str();
  cmd->add_option("--shard", f->shard, "i/N: this process's deterministic share")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Worker threads")
      ->check(whole_number(1, 256))
      ->capture_default_str();
  cmd->add_option("--summary", f->summary, "Write the run's summary (JSON) to this file");
  cmd->add_option("--junit", f->junit, "Write the thresholds' verdicts as JUnit XML to this file");
  cmd->add_option("--report", f->report, "Write the run's HTML report to this file");
  cmd->add_option("--metrics", f->metrics, "Serve Prometheus /metrics on this address while the run goes");
  cmd->add_flag("--no-correlate", f->no_correlate, "Turn automatic correlation off");
  cmd->add_flag("--keep-host", f->keep_host, "Send the recorded Host header instead of the target's");
  cmd->add_option("--connect-timeout", f->connect_timeout, "Per connection attempt")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--request-timeout", f->request_timeout, "Per request, from its intended start")
      ->check(duration())
      ->capture_default_str();
  cmd->callback([f, &exit_code] { run(*f, exit_code); });
}

void add_merge_command(CLI::App& app, int& exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto junit = std::make_shared<std::string>();
  auto report = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("merge", "Add shard summaries into one summary");
  cmd->add_option("summaries", *files, "Summary files written by replay --summary")->required();
  cmd->description(
      "Add shard summaries into one summary and judge the thresholds on it (exit 99 on a breach)");
  cmd->add_option("-o,--output", *out, "The merged summary")->required();
  cmd->add_option("--junit", *junit, "Write the thresholds' verdicts as JUnit XML to this file");
  cmd->add_option("--report", *report, "Write the merged run's HTML report to this file");
  cmd->callback([files, out, junit, report, &exit_code] {
    replay::RunInfo info;
    replay::RunResult result;
    for (const auto& path : *files) {
      replay::add_summary(read_json_file(path), path, info, result);
    }
    // The shards' thresholds, judged again on the merged figures.
    auto thresholds = replay::Profile::parse({{"thresholds", info.thresholds}}, files->front()).thresholds;
    exit_code = replay::finish_run(info, result, thresholds, {*out, *junit, *report});
  });
}

void add_drill_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ReplayFlags>();
  auto upstream = std::make_shared<std::string>();
  auto faults_file = std::make_shared<std::string>();
  auto seed = std::make_shared<std::optional<uint64_t>>();
  auto proxy_threads = std::make_shared<int>(1);
  auto* cmd = app.add_subcommand(
      "drill", "Proxy with faults in front of an upstream, replay a capture through it, judge the SLA");
  cmd->add_option("capture", f->capture, "Capture file (.jsonl); default: the one the profile names");
  cmd->add_option("--upstream", *upstream, "http://host[:port] of the service under the drill")->required();
  cmd->add_option("--profile", f->profile, "Profile file (profiles/*.json)")->required();
  cmd->add_option("--faults", *faults_file, "Fault file (windows count from the drill's start)")->required();
  cmd->add_option("--seed", *seed, "Seed of the draws that pick which requests a fault hits")
      ->check(whole_number(0));
  cmd->add_option("--proxy-threads", *proxy_threads, "The proxy's worker threads")
      ->check(whole_number(1, 1024))
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "The replayer's worker threads")
      ->check(whole_number(1, 256))
      ->capture_default_str();
  cmd->add_option("--time-scale", f->time_scale, "Multiply every duration of the profile")
      ->check(more_than_zero(1000))
      ->capture_default_str();
  cmd->add_option("--load-scale", f->load_scale, "Multiply the profile's VUs, stage targets and rates")
      ->check(more_than_zero(1000))
      ->capture_default_str();
  cmd->add_option("--summary", f->summary, "Write the run's summary (JSON) to this file");
  cmd->add_option("--junit", f->junit, "Write the thresholds' verdicts as JUnit XML to this file");
  cmd->add_option("--report", f->report, "Write the run's HTML report to this file");
  cmd->add_option("--request-timeout", f->request_timeout, "Per request, from its intended start")
      ->check(duration())
      ->capture_default_str();
  cmd->callback([=, &exit_code] {
    proxy::ProxyConfig config;
    config.listen = net::resolve(net::parse_host_port("127.0.0.1:0", "--listen"));
    config.upstream = net::resolve(net::parse_http_url(*upstream, "--upstream"));
    config.threads = *proxy_threads;
    config.faults = faults::FaultSet::load(*faults_file);
    if (f->time_scale != 1) config.faults.scale_windows(f->time_scale);  // with the profile's durations
    config.seed = *seed;
    check_reachable(config.upstream, *upstream, config.connect_timeout);
    proxy::ProxyServer proxy(config);
    auto started = std::chrono::steady_clock::now();
    auto start_proxy = [&] {  // once the capture and the profile are read: a bad one is one line
      proxy.start();
      started = std::chrono::steady_clock::now();
      return "http://" + net::to_string(proxy.endpoint());
    };
    run(
        *f, exit_code,
        [&] {
          // The run starts 20 ms after this (Runner's t0); fault windows count from the proxy's start.
          const double offset =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() + 0.02;
          std::vector<replay::RunWindow> windows;
          auto seconds = [](faults::Duration d) { return std::chrono::duration<double>(d).count(); };
          for (const auto& fault : config.faults.faults())
            if (fault.window)
              windows.push_back({fault.name, seconds(fault.window->first) - offset,
                                 fault.window->second == faults::Duration::max()
                                     ? 1e12
                                     : seconds(fault.window->second) - offset});
          return windows;
        },
        start_proxy);
    proxy.drain();
    proxy.wait();
  });
}

}  // namespace reprise::cli
