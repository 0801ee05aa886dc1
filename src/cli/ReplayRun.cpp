#include "cli/ReplayRun.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>

#include "InputError.hpp"
#include "capture/CaptureReader.hpp"
#include "cli/FlagChecks.hpp"
#include "metrics/PrometheusText.hpp"
#include "net/Address.hpp"
#include "net/AdminServer.hpp"
#include "replay/Identities.hpp"
#include "replay/RunInfo.hpp"
#include "replay/RunMetricsText.hpp"
#include "replay/RunMonitor.hpp"
#include "replay/RunReport.hpp"
#include "replay/RunVerdicts.hpp"
#include "replay/Runner.hpp"
#include "replay/Session.hpp"

namespace reprise::cli {
namespace {

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

// The run's monitor, which also keeps the latest figures for `--metrics ADDR` to serve, with the
// profile's thresholds judged on them.
replay::RunMonitor monitor_with_metrics(const std::string& address, const replay::Profile& profile) {
  auto monitor = replay::make_monitor(profile);
  if (address.empty()) return monitor;
  struct Latest {
    std::mutex mutex;
    std::string text;
  };
  auto latest = std::make_shared<Latest>();
  auto server = std::make_shared<net::AdminServer>(net::resolve(net::parse_host_port(address, "--metrics")));
  server->route("GET", "/metrics", [latest](const net::AdminRequest&) {
    std::lock_guard lock(latest->mutex);
    return net::AdminResponse{200, std::string(metrics::PrometheusText::kContentType), latest->text, {}};
  });
  server->start();
  spdlog::info("metrics on http://{}/metrics", net::to_string(server->endpoint()));
  return [monitor, latest, server, &profile](const replay::RunResult& so_far) {
    std::string text = replay::prometheus_text(so_far, replay::judge_run(profile.thresholds, so_far));
    {
      std::lock_guard lock(latest->mutex);
      latest->text = std::move(text);
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

}  // namespace

void check_reachable(const boost::asio::ip::tcp::endpoint& target, const std::string& url,
                     std::chrono::microseconds timeout, const std::string& what) {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::socket socket(ctx);
  boost::system::error_code result = boost::asio::error::timed_out;
  socket.async_connect(target, [&](const boost::system::error_code& ec) { result = ec; });
  ctx.run_for(timeout);
  if (result) throw RuntimeFailure(what + " " + url + " is unreachable: " + result.message());
}

void ReplayRun::add_scale_flags(CLI::App& cmd) {
  cmd.add_option("--time-scale", time_scale, "Multiply every duration of the profile")
      ->check(more_than_zero(1000))
      ->capture_default_str();
  cmd.add_option("--load-scale", load_scale, "Multiply the profile's VUs, stage targets and rates")
      ->check(more_than_zero(1000))
      ->capture_default_str();
}

void ReplayRun::add_compare_flags(CLI::App& cmd) {
  cmd.add_flag("--compare", compare,
               "Compare each answer with the recorded one (status, content type, JSON field by field, "
               "event types); differences count in response_diffs");
  cmd.add_option("--baseline", baseline,
                 "With --compare: a second known-good instance also sent every request; a field is reported "
                 "only when the target differs there more often than it does");
}

void ReplayRun::run(int& exit_code, const WindowsAtStart& windows, const TargetAtStart& start_target) const {
  replay::RunOptions options;
  parse_shard(shard, options);
  options.threads = threads;
  options.io_uring = io_uring;
  options.connect_timeout = duration_flag(connect_timeout, "--connect-timeout");
  options.request_timeout = duration_flag(request_timeout, "--request-timeout");
  auto loaded = replay::Profile::load(profile);
  if (time_scale != 1) loaded.scale_time(time_scale);
  if (load_scale != 1) loaded.scale_load(load_scale);
  if (time_scale * load_scale != 1)
    spdlog::info("--time-scale {} and --load-scale {}: count thresholds scaled by {}", time_scale, load_scale,
                 time_scale * load_scale);
  const std::string capture_file = capture.empty() ? loaded.capture : capture;
  if (capture_file.empty())
    throw InputError(profile, "",
                     "names no capture: give one on the command line or add \"capture\" to the profile");
  options.speed = speed > 0 ? speed : loaded.speed;
  options.timeline =
      !outputs.summary.empty() || !outputs.report.empty() || !outputs.summary_export.empty() || windows;
  auto exchanges = capture::CaptureReader::read_all(capture_file);
  if (exchanges.empty()) throw InputError(capture_file, "", "holds no exchanges to replay");

  const std::string target_url = start_target ? start_target() : target;
  auto url = net::parse_url(target_url, "--target");
  if (!start_target) options.target_tls = tls.settings(url, "--target");  // a drill's go to its upstream
  replay::SessionOptions session_options;
  session_options.auto_correlate = !no_correlate && loaded.correlate.automatic;
  if (!baseline.empty() && !compare) throw InputError("--baseline", "", "needs --compare");
  session_options.compare =
      compare || std::any_of(loaded.thresholds.begin(), loaded.thresholds.end(),
                             [](const auto& t) { return t.metric == "response_diffs"; });
  const auto& where = url.host_port;
  if (!keep_host)
    session_options.host = where.port == (url.https ? 443 : 80) ? where.host : net::to_string(where);
  auto built = replay::build_sessions(std::move(exchanges), loaded, session_options);
  if (built.sessions.empty())
    throw InputError(capture_file, "", "holds no HTTP exchanges to replay (only WebSocket)");
  warn_repeating_templates(loaded, built);

  options.target = net::resolve(where);
  check_reachable(options.target, target_url, options.connect_timeout);
  if (!baseline.empty()) {
    auto base = net::parse_url(baseline, "--baseline");
    if (base.https) options.baseline_tls = tls.settings(base, "--baseline");
    options.baseline = net::resolve(base.host_port);
    check_reachable(*options.baseline, baseline, options.connect_timeout, "--baseline");
  }
  auto info = replay::run_info(capture_file, target_url, profile, loaded, options, built);
  spdlog::info("replaying {} sessions of {} to {} ({}, shard {}/{}, {} thread(s))", built.sessions.size(),
               capture_file, target_url, info.executor, options.shard, options.shards, options.threads);
  if (windows) info.windows = windows();
  auto result = replay::run_replay(built, loaded, options, monitor_with_metrics(outputs.metrics, loaded));
  exit_code = replay::finish_run(info, result, loaded.thresholds, outputs.files());
}

}  // namespace reprise::cli
