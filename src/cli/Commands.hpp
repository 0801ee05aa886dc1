// One function per command: each adds its subcommand, flags and callback to the app. The
// callback sets the process exit code; bad input throws InputError (exit 1), runtime failures
// throw RuntimeFailure (exit 2).
#pragma once

#include <CLI/App.hpp>

namespace reprise::cli {

void add_proxy_command(CLI::App& app, int& exit_code);
void add_upstream_demo_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_export_command(CLI::App& app, int& exit_code);
void add_record_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
void add_drill_command(CLI::App& app, int& exit_code);

}  // namespace reprise::cli
