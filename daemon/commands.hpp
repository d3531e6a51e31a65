// validate, plan and apply: one reconcile pass, top to bottom; and the parts of it that the
// daemon (run.cpp) repeats.
#pragma once

#include "api/client.hpp"
#include "api/provider.hpp"
#include "config/load.hpp"
#include "daemon/cli.hpp"
#include "reconcile/plan.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
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
  std::optional<std::string> lock_directory;         // CFSYNC_LOCK_DIR
  std::optional<std::string> runtime_directory;      // XDG_RUNTIME_DIR
  bool root = false;                                 // the effective user is root
  bool no_color = false;                             // NO_COLOR is set
  bool stdout_is_terminal = false;
  bool stdin_is_terminal = false;  // with stdout: apply asks before writing

  [[nodiscard]] static Environment from_process();
};

// -c, else ./cfsync.yaml, else ./cfsync/, loaded and checked (dataset files included). Dataset
// files are scanned through the state directory's cache (a damaged one is logged and ignored);
// every command but validate writes back what it scanned.
[[nodiscard]] Result<config::Config> load_config(const Options& options,
                                                 const Environment& environment,
                                                 spdlog::logger& log);

// An error as log lines: its description, then each detail (one per configuration problem).
void report_error(spdlog::logger& log, const Error& error);

// --state-dir, else systemd's StateDirectory= (the first, when it names several), else
// .cfsync-state/ in the config's root (Config::root, config::config_root).
[[nodiscard]] std::filesystem::path state_dir_of(const Options& options,
                                                 const Environment& environment,
                                                 const std::filesystem::path& config_root);

// Where the per-account locks are: --lock-dir, else $CFSYNC_LOCK_DIR, else default_lock_dir().
[[nodiscard]] std::filesystem::path lock_dir_of(const Options& options,
                                                const Environment& environment);

// The HTTP transport, with the credentials the options and environment name.
[[nodiscard]] Result<std::unique_ptr<api::Transport>> open_transport(
    const Options& options, const Environment& environment, std::shared_ptr<spdlog::logger> log);

// The client every request of the process goes through: paced, retried.
[[nodiscard]] std::unique_ptr<api::Client> make_client(api::Transport& transport,
                                                       const Options& options,
                                                       std::shared_ptr<spdlog::logger> logger);

struct Pass {
  Plan plan;
  std::vector<std::string> safety;         // why apply must refuse it (reconcile/safety.hpp)
  std::string live_digest;                 // of what was read (CloudflareProvider::live_digest)
  std::optional<api::ApplyReport> report;  // when it was applied
  bool waited = true;                      // false: waiting for processing or indexing failed
  // What could not be written to the state directory during the apply (upload records): the
  // pass failed, even if every change was applied, as the next one cannot know what went up.
  std::vector<std::string> state_errors;
};

// Reads the live state `desired` asks about, plans, and, when `before_apply` says so for a
// plan that is not empty and within the safety limits (or --force), applies it (up to `stop`, which
// takes no new change once set), records dataset uploads in `state_dir`, and waits for processing
// (and indexing with --wait). Errors before a plan exists are returned; failed changes are in the
// report.
// `drift`: the configuration is the one last applied in full, so every change is drift.
[[nodiscard]] Result<Pass> reconcile_pass(
    DesiredState& desired, const std::filesystem::path& state_dir, api::Transport& client,
    const Options& options, bool drift, const std::function<bool(const Pass&)>& before_apply,
    const std::atomic<bool>* stop, const std::shared_ptr<spdlog::logger>& logger);

// Runs the command and returns the process exit code: 0 success (plan: nothing to do when
// --detailed-exitcode is given), 1 error, 2 plan with changes under --detailed-exitcode.
[[nodiscard]] int run_command(const Options& options, const Environment& environment,
                              std::ostream& out, const std::shared_ptr<spdlog::logger>& log);

}  // namespace cfsync::daemon
