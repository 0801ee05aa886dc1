// `reprise proxy`: flags to ProxyConfig, then run the proxy until drained.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iterator>

#include "InputError.hpp"
#include "InputFile.hpp"
#include "capture/Recorder.hpp"
#include "cli/Commands.hpp"
#include "cli/FlagChecks.hpp"
#include "cli/RedactionFlags.hpp"
#include "cli/TlsFlags.hpp"
#include "net/Address.hpp"
#include "net/Tls.hpp"
#include "net/Workers.hpp"
#include "mirror/Mirror.hpp"
#include "proxy/ProxyServer.hpp"
#include "replay/Profile.hpp"
#include "proxy/SlaFile.hpp"

namespace reprise::cli {

namespace {

struct ProxyFlags {
  std::string listen;
  std::string upstream;
  std::string access_log;
  std::string header_timeout = "10s", idle_timeout = "60s", connect_timeout = "5s", response_timeout = "60s",
              drain_timeout = "10s";
  bool no_xff = false, no_xfp = false, no_via = false;
  std::string record;
  uint64_t record_body_limit = 64 * 1024;
  std::string admin, sla, routes, faults, admin_token, admin_token_file;
  std::optional<uint64_t> seed;
  RedactionFlags redaction;
  TlsFlags upstream_tls;
  bool compare = false;
  std::string mirror, mirror_factor = "1", mirror_match, mirror_profile, mirror_sla, mirror_record,
      mirror_timeout = "10s";
  uint64_t mirror_body_limit = 1 << 20;
  size_t mirror_queue = 4096, mirror_connections = 1024;
  TlsFlags mirror_tls;
};

// A capture at `path` of the exchanges with `target`, with --record-body-limit and the redaction flags.
capture::RecorderConfig recorder_config(const ProxyFlags& f, const std::string& path, const net::WebAddress& target) {
  capture::RecorderConfig rc;
  rc.path = path;
  rc.body_limit = f.record_body_limit;
  auto rules = f.redaction.rules(path);
  rc.redact = rules.has_value();
  if (rules) rc.rules = std::move(*rules);
  rc.custom_rules = !f.redaction.rules_file.empty();
  rc.upstream = (target.https ? "https://" : "http://") + net::to_string(target.host_port);
  return rc;
}

// --mirror-factor: a number, 0 or more; InputError otherwise.
double mirror_factor(const std::string& text) {
  size_t used = 0;
  double factor = -1;
  try {
    factor = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || !(factor >= 0) || factor > 1000)
    throw InputError("--mirror-factor", "",
                     "'" + text + "' is not a number from 0 to 1000 (2.5: two copies of every request, a third of half)");
  return factor;
}

// The mirror behind --mirror, or null, and the recorder of --mirror-record in `recorder`.
std::unique_ptr<mirror::Mirror> make_mirror(const ProxyFlags& f, proxy::ProxyConfig& config,
                                            std::unique_ptr<capture::Recorder>& recorder) {
  if (f.mirror.empty()) {
    for (const auto* flag : {&f.mirror_match, &f.mirror_profile, &f.mirror_sla, &f.mirror_record})
      if (!flag->empty()) throw InputError("--mirror", "", "the --mirror-* flags need --mirror URL");
    if (f.compare) throw InputError("--compare", "", "compares the mirror's answers: it needs --mirror URL");
    return nullptr;
  }
  auto address = net::parse_url(f.mirror, "--mirror");
  mirror::MirrorConfig mc;
  mc.url = f.mirror;
  mc.tls = f.mirror_tls.settings(address, "--mirror");
  mc.endpoint = net::resolve(address.host_port);
  mc.rule.factor = mirror_factor(f.mirror_factor);
  if (!f.mirror_match.empty()) {
    auto j = nlohmann::json::parse(f.mirror_match, nullptr, false);
    if (j.is_discarded()) throw InputError("--mirror-match", "", "is not JSON: {\"method\": \"POST\", \"path\": \"/api/*\"}");
    mc.rule.match = mirror::MirrorRule::parse_match(j, "--mirror-match");
    mc.rule.match_source = j;
  }
  mc.body_limit = f.mirror_body_limit;
  mc.queue = f.mirror_queue;
  mc.connections = f.mirror_connections;
  mc.pool_size = config.pool_size;
  mc.connect_timeout = config.connect_timeout;
  mc.timeout = duration_flag(f.mirror_timeout, "--mirror-timeout");
  mc.seed = f.seed;
  mc.shadow.run = replay::RunMark::random();
  mc.shadow.host = net::to_string(address.host_port);
  mc.routes = config.routes;
  mc.compare = f.compare;
  if (!f.mirror_profile.empty()) {
    auto profile = replay::Profile::load(f.mirror_profile);
    mc.shadow.identities = profile.identities;
    mc.shadow.auto_identities = profile.auto_identities;
    mc.shadow.correlate = profile.correlate;
    mc.expected_statuses = profile.expected_statuses;
    mc.compare_ignore = profile.compare_ignore;
    if (!profile.routes.empty()) mc.routes = profile.routes;
  }
  if (!f.mirror_sla.empty()) config.mirror_sla = proxy::read_sla_file(f.mirror_sla);
  if (!f.mirror_record.empty()) {
    auto rc = recorder_config(f, f.mirror_record, address);
    rc.source = "mirror";
    recorder = std::make_unique<capture::Recorder>(std::move(rc), 1);
    mc.recorder = recorder.get();
  }
  return std::make_unique<mirror::Mirror>(std::move(mc),
                                          config.threads > 0 ? config.threads : net::Workers::default_threads());
}


// The recorder behind --record, or null; throws InputError for a bad rules file and
// RuntimeFailure when the capture cannot be created.
std::unique_ptr<capture::Recorder> make_recorder(const ProxyFlags& f, const proxy::ProxyConfig& config) {
  if (f.record.empty()) return nullptr;
  auto rc = recorder_config(f, f.record, {{config.upstream.address().to_string(), config.upstream.port()},
                                          config.upstream_tls.has_value()});
  if (config.listen_tls) rc.scheme = "https";
  return std::make_unique<capture::Recorder>(
      std::move(rc), config.threads > 0 ? config.threads : net::Workers::default_threads());
}

std::shared_ptr<spdlog::logger> make_access_log(const std::string& path) {
  if (path.empty()) return nullptr;
  std::shared_ptr<spdlog::logger> log;
  try {
    if (path == "-")
      log = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    else
      log = std::make_shared<spdlog::logger>("access",
                                             std::make_shared<spdlog::sinks::basic_file_sink_mt>(path));
  } catch (const spdlog::spdlog_ex& e) {
    throw InputError(path, "", std::string("cannot open the access log: ") + e.what());
  }
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %v");
  log->set_level(spdlog::level::info);
  // Whole lines reach the file within a second (spdlog's flusher thread, for registered
  // loggers), so a drill's log can be tailed; flushing each line would cost a write per request.
  if (!spdlog::get(log->name())) spdlog::register_logger(log);
  spdlog::flush_every(std::chrono::seconds(1));
  return log;
}

// The token of --admin-token-file: the file's text without its trailing line ending, so that it
// stays out of `ps`. No message ever quotes the token.
std::string read_admin_token(const std::string& path) {
  std::ifstream in = open_input_file(path);
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw InputError(path, "", "is empty: it must hold the admin token");
  return token;
}

// A bearer token is one word of visible characters: anything else could never be matched.
void check_admin_token(const std::string& token, const std::string& where) {
  for (char c : token)
    if (c <= ' ' || c == '\x7f')
      throw InputError(where, "", "the admin token holds a space, a line break or a control character");
}

// --admin, --admin-token(-file), --sla and --routes into the config: what is measured, who reads it.
void set_measuring(const ProxyFlags& f, proxy::ProxyConfig& config) {
  if (!f.admin.empty()) config.admin = net::resolve(net::parse_host_port(f.admin, "--admin"));
  const bool from_file = !f.admin_token_file.empty();
  config.admin_token = from_file ? read_admin_token(f.admin_token_file) : f.admin_token;
  check_admin_token(config.admin_token, from_file ? f.admin_token_file : "--admin-token");
  if (config.admin && !config.admin->address().is_loopback() && config.admin_token.empty())
    throw InputError(
        "--admin", "",
        f.admin +
            " is not a loopback address: the admin API changes faults, so give --admin-token-file "
            "or --admin-token (every call then needs Authorization: Bearer <token>)");
  if (!config.admin_token.empty() && !config.admin)
    spdlog::warn("{} has no effect without --admin", from_file ? "--admin-token-file" : "--admin-token");
  if (!f.sla.empty()) {
    config.sla = proxy::read_sla_file(f.sla);
    config.routes = config.sla->routes;
    for (const auto& t : config.sla->thresholds)
      for (const auto& c : t.conditions)
        if (c.abort_on_fail)
          spdlog::warn("{}: abortOnFail on {} {} is ignored: the proxy has no run to abort", f.sla, t.text,
                       c.text);
  }
  if (!f.routes.empty()) config.routes = proxy::read_routes_file(f.routes);  // instead of the SLA file's
  if (!f.routes.empty() && !config.measuring())
    spdlog::warn("--routes has no effect without --admin or --sla (nothing is measured)");
}

}  // namespace

void add_proxy_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ProxyFlags>();
  auto config = std::make_shared<proxy::ProxyConfig>();
  auto* cmd = app.add_subcommand("proxy", "Transparent HTTP/1.1 reverse proxy");
  cmd->add_option("--listen", flags->listen, "Address to listen on, host:port")->required();
  cmd->add_option("--upstream", flags->upstream, "Upstream URL, http://host:port or https://host:port")->required();
  auto* cert = cmd->add_option("--tls-cert", config->tls_cert,
                               "Listen with TLS: this PEM certificate (a chain may follow it); re-read on SIGHUP");
  auto* key = cmd->add_option("--tls-key", config->tls_key, "The PEM private key of --tls-cert");
  cert->needs(key);
  key->needs(cert);
  flags->upstream_tls.add_to(*cmd, "upstream-");
  cmd->add_option("--threads", config->threads, "Worker threads (0: one per core)")
      ->check(whole_number(0, 1024))
      ->capture_default_str();
  add_io_uring_flag(*cmd, config->io_uring);
  cmd->add_option("--access-log", flags->access_log, "Access log file, or - for stdout (off by default)");
  cmd->add_option("--header-timeout", flags->header_timeout, "Time to receive a request head (408)")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--idle-timeout", flags->idle_timeout, "Keep-alive idle time before closing")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--connect-timeout", flags->connect_timeout, "Upstream connect time (504)")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--response-timeout", flags->response_timeout,
                  "Time to the upstream's response head, and between body reads (504)")
      ->check(duration())
      ->capture_default_str();
  cmd->add_option("--drain-timeout", flags->drain_timeout,
                  "Time in-flight exchanges get after SIGTERM (0: cut them at once)")
      ->check(duration(true))
      ->capture_default_str();
  cmd->add_option("--max-header-size", config->max_header_size, "Largest request head in bytes (431)")
      ->check(whole_number(1))
      ->capture_default_str();
  cmd->add_option("--max-connections", config->max_connections, "Open client connections before 503")
      ->check(whole_number(1))
      ->capture_default_str();
  cmd->add_option("--pool-size", config->pool_size, "Idle upstream connections kept per thread (0: none)")
      ->check(whole_number(0, 65536))
      ->capture_default_str();
  cmd->add_flag("--no-x-forwarded-for", flags->no_xff, "Do not add X-Forwarded-For");
  cmd->add_flag("--no-x-forwarded-proto", flags->no_xfp, "Do not add X-Forwarded-Proto");
  cmd->add_flag("--no-via", flags->no_via, "Do not add Via");
  cmd->add_option("--record", flags->record, "Write every exchange to this capture (JSON Lines)");
  cmd->add_option("--record-body-limit", flags->record_body_limit, "Bytes of each body kept in the capture")
      ->check(whole_number(0))
      ->capture_default_str();
  flags->redaction.add_to(*cmd);
  cmd->add_option(
      "--admin", flags->admin,
      "Serve /metrics (Prometheus), /healthz and /sla on this address, host:port (off by default)");
  auto* token = cmd->add_option("--admin-token", flags->admin_token,
                                "Every admin call needs Authorization: Bearer TOKEN (required off loopback; "
                                "visible in ps: prefer --admin-token-file)");
  cmd->add_option("--admin-token-file", flags->admin_token_file,
                  "As --admin-token, the token read from this file (its trailing line ending dropped)")
      ->excludes(token);
  cmd->add_option("--faults", flags->faults, "Inject the faults of this JSON file (see docs/faults.md)");
  cmd->add_option("--seed", flags->seed, "Seed of the draws that pick which requests a fault hits")
      ->check(whole_number(0));
  cmd->add_option("--sla", flags->sla,
                  "Judge this SLA file's thresholds over a rolling window while proxying");
  cmd->add_option("--routes", flags->routes,
                  "Name tags from this JSON file's routes block (instead of the SLA file's)");
  cmd->add_option("--mirror", flags->mirror,
                  "Also send a copy of every request to this URL (http:// or https://); the client never waits for it");
  cmd->add_option("--mirror-factor", flags->mirror_factor,
                  "Shadow users per client session on the mirror, on average (2.5: two, and a third for half)")
      ->capture_default_str();
  cmd->add_option("--mirror-match", flags->mirror_match,
                  "Copy only requests matching this JSON, as a fault's match: {\"method\": \"POST\", \"path\": \"/api/*\"}");
  cmd->add_option("--mirror-body-limit", flags->mirror_body_limit, "Requests with a larger body are not copied (bytes)")
      ->check(whole_number(0))
      ->capture_default_str();
  cmd->add_option("--mirror-profile", flags->mirror_profile,
                  "A replay profile whose identities, correlate, routes and expected_statuses the shadow users take");
  cmd->add_option("--mirror-sla", flags->mirror_sla, "Judge this SLA file's thresholds on the mirror's answers");
  cmd->add_flag("--compare", flags->compare,
                "With --mirror: compare each mirror answer with the primary's (status, content type, JSON field by "
                "field); GET /mirror lists the differences");
  cmd->add_option("--mirror-record", flags->mirror_record,
                  "Write every exchange with the mirror (the copies as sent, its answers) to this capture");
  cmd->add_option("--mirror-queue", flags->mirror_queue,
                  "Copies waiting per worker thread before new ones are dropped (and counted)")
      ->check(whole_number(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--mirror-connections", flags->mirror_connections,
                  "Copies on the wire at once, each on a connection of its own (held event streams included)")
      ->check(whole_number(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--mirror-timeout", flags->mirror_timeout, "Time a copy's answer may take before it counts as failed")
      ->check(duration())
      ->capture_default_str();
  flags->mirror_tls.add_to(*cmd, "mirror-");
  cmd->callback([flags, config, &exit_code] {
    config->listen = net::resolve(net::parse_host_port(flags->listen, "--listen"));
    auto upstream = net::parse_url(flags->upstream, "--upstream");
    config->upstream_tls = flags->upstream_tls.settings(upstream, "--upstream");
    if (!config->tls_cert.empty()) config->listen_tls = net::make_server_context(config->tls_cert, config->tls_key);
    config->upstream = net::resolve(upstream.host_port);
    config->header_timeout = duration_flag(flags->header_timeout, "--header-timeout");
    config->idle_timeout = duration_flag(flags->idle_timeout, "--idle-timeout");
    config->connect_timeout = duration_flag(flags->connect_timeout, "--connect-timeout");
    config->response_timeout = duration_flag(flags->response_timeout, "--response-timeout");
    config->drain_timeout = duration_flag(flags->drain_timeout, "--drain-timeout");
    config->forwarding = {!flags->no_xff, !flags->no_xfp, !flags->no_via, config->listen_tls ? "https" : "http",
                          net::to_string(upstream.host_port)};
    config->access_log = make_access_log(flags->access_log);
    set_measuring(*flags, *config);
    if (!flags->faults.empty()) config->faults = faults::FaultSet::load(flags->faults);
    config->seed = flags->seed;
    auto recorder = make_recorder(*flags, *config);
    config->recorder = recorder.get();
    std::unique_ptr<capture::Recorder> mirror_recorder;
    auto mirror = make_mirror(*flags, *config, mirror_recorder);
    config->mirror = mirror.get();
    exit_code = proxy::run_proxy(*config);
    if (recorder) recorder->stop();
    if (mirror) mirror->stop();
    if (mirror_recorder) mirror_recorder->stop();
  });
}

}  // namespace reprise::cli
