// validate, plan and apply: one reconcile pass, top to bottom.
#pragma once

#include "daemon/cli.hpp"

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

// The environment variables cfsync reads, read once.
struct Environment {
  std::optional<std::string> account_id;             // CLOUDFLARE_ACCOUNT_ID
  std::optional<std::string> api_token;              // CLOUDFLARE_API_TOKEN
  std::optional<std::string> email;                  // CLOUDFLARE_EMAIL
  std::optional<std::string> api_key;                // CLOUDFLARE_API_KEY
  std::optional<std::string> credentials_directory;  // CREDENTIALS_DIRECTORY (systemd)
  std::optional<std::string> state_directory;        // STATE_DIRECTORY (systemd)
  bool no_color = false;                             // NO_COLOR is set
  bool stdout_is_terminal = false;

  [[nodiscard]] static Environment from_process();
};

// Runs the command and returns the process exit code: 0 success (plan: nothing to do when
// --detailed-exitcode is given), 1 error, 2 plan with changes under --detailed-exitcode.
[[nodiscard]] int run_command(const Options& options, const Environment& environment,
                              std::ostream& out, const std::shared_ptr<spdlog::logger>& log);

}  // namespace cfsync::daemon
