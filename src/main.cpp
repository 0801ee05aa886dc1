// reprise: one binary, one subcommand per job. Sets up logging and maps failures to exit codes:
// 0 ok, 1 bad usage or input (one line), 2 runtime failure, 99 SLA thresholds breached.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "InputError.hpp"
#include "cli/Commands.hpp"
#include "cli/HelpExamples.hpp"
#include "cli/UsageError.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);  // a capture past the file-size limit fails its write instead of killing us
  // A proxied stream or a replayed one holds a socket each: take every file the system allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("reprise"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::flush_every(std::chrono::seconds(1));

  CLI::App app{"reprise: record, replay and break HTTP traffic", "reprise"};
  app.require_subcommand(1);
  app.set_version_flag("--version", REPRISE_VERSION);
  std::string level = "info";
  app.add_option("--log-level", level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.fallthrough();
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(level)); });

  int exit_code = 0;
  reprise::cli::add_proxy_command(app, exit_code);
  reprise::cli::add_upstream_demo_command(app, exit_code);
  reprise::cli::add_demo_command(app, exit_code);
  reprise::cli::add_import_command(app, exit_code);
  reprise::cli::add_inspect_command(app, exit_code);
  reprise::cli::add_export_command(app, exit_code);
  reprise::cli::add_record_command(app, exit_code);
  reprise::cli::add_replay_command(app, exit_code);
  reprise::cli::add_merge_command(app, exit_code);
  reprise::cli::add_drill_command(app, exit_code);
  reprise::cli::add_help_examples(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "reprise: %s\n", reprise::cli::usage_error_line(app, e).c_str());
    return 1;
  } catch (const reprise::InputError& e) {
    std::fprintf(stderr, "reprise: %s\n", e.what());
    return 1;
  } catch (const reprise::RuntimeFailure& e) {
    std::fprintf(stderr, "reprise: %s\n", e.what());
    return 2;
  }
  spdlog::shutdown();
  return exit_code;
}
