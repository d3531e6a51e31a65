// cfsync: keeps a Cloudflare account's DLP and AI Search configuration equal to a repository.
#include "daemon/cli.hpp"
#include "daemon/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/report.hpp"
#include "daemon/run.hpp"
#include "daemon/status.hpp"
#include "daemon/systemd.hpp"

#include <unistd.h>
#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  bool json_output = false;
  try {
    auto parsed = cfsync::daemon::parse_command_line(argc, argv);
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const auto& options = std::get<cfsync::daemon::Options>(parsed);
    json_output = options.output == cfsync::daemon::OutputFormat::json;
    // The daemon logs; a one-shot command's lines say who speaks, as its usage errors do.
    const bool daemon = options.command == cfsync::daemon::Command::run;
    auto log = cfsync::daemon::make_logger(
        options.log_format, options.log_level, ::isatty(STDERR_FILENO) == 1,
        cfsync::daemon::systemd::stderr_is_journal(), daemon ? "" : "cfsync");
    if (options.command == cfsync::daemon::Command::status) {
      return cfsync::daemon::status_command(options, std::cout);
    }
    if (options.command == cfsync::daemon::Command::run) {
      return cfsync::daemon::run_daemon(options, cfsync::daemon::Environment::from_process(), log);
    }
    return cfsync::daemon::run_command(options, cfsync::daemon::Environment::from_process(),
                                       std::cout, log);
  } catch (const std::exception& e) {
    // Expected failures are values; reaching this is a bug or an exhausted resource.
    std::fprintf(stderr, "cfsync: error: %s\n", e.what());
    if (json_output) std::cout << cfsync::daemon::error_json("fatal", e.what()) << std::flush;
    return 1;
  }
}
