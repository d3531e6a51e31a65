// The command line: what the user asked for, parsed and validated once.
#pragma once

#include "api/pacer.hpp"
#include "daemon/logging.hpp"
#include "daemon/notifier.hpp"
#include "daemon/version.hpp"  // generated: k_version

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cfsync::daemon {

enum class Command { validate, plan, apply, run, status, schema, export_ };
enum class OutputFormat { text, json, markdown };

struct Options {
  Command command = Command::plan;
  std::optional<std::filesystem::path> config;  // default: ./cfsync.yaml, else ./cfsync/
  std::string api_url;                          // --api-url, CLOUDFLARE_BASE_URL, or the default
  std::optional<std::filesystem::path> token_file;
  std::optional<std::filesystem::path> ca_file;
  bool insecure_http = false;
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::size_t max_in_flight = 8;  // changes applied at once
  int max_attempts = 5;           // per request, the first included
  api::RateLimit rate_limit;      // what cfsync spends at most, before the API says more
  OutputFormat output = OutputFormat::text;
  bool color = true;            // when stdout is a terminal and NO_COLOR is unset
  bool show_sensitive = false;  // regexes and word lists in clear in plans
  LogFormat log_format = LogFormat::text;
  std::string log_level = "warn";
  bool detailed_exitcode = false;  // plan: 0 no changes, 1 error, 2 changes
  bool drift_exitcode = false;     // plan: 3 when the changes are drift
  std::optional<std::filesystem::path>
      state_dir;       // default: $STATE_DIRECTORY, else beside the config
  bool wait = false;   // apply: wait for uploaded documents to be indexed
  bool force = false;  // apply: past the safety limits
  // apply: write without asking on a terminal (--auto-approve, or the --apply alias).
  bool auto_approve = false;
  // plan, apply: upload again a dataset file whose last upload failed processing.
  bool retry_failed = false;
  // plan, apply: of live custom profiles that share a declared name and are alike in what the
  // configuration declares (two writers at once), keep the oldest and delete the others.
  bool dedupe = false;
  std::optional<std::filesystem::path> plan_out;   // plan --out: save the plan there
  std::optional<std::filesystem::path> plan_file;  // apply PLAN_FILE: apply exactly that plan
  std::chrono::milliseconds wait_timeout{600'000};
  // export: the account to read (else CLOUDFLARE_ACCOUNT_ID), where to write (else stdout), and
  // whether AI Search items are downloaded into files there.
  std::optional<std::string> export_account;
  std::optional<std::filesystem::path> export_dir;
  bool with_documents = false;
  // apply and run: how long to wait for another cfsync writing to the same account or state
  // directory, and where the accounts' locks are (default: lock_dir_of()).
  std::chrono::milliseconds lock_timeout{0};
  std::optional<std::filesystem::path> lock_dir;
  // run: the daemon.
  std::chrono::milliseconds interval{300'000};  // between reconciles, ±10%
  bool once = false;                            // one reconcile, then exit
  std::optional<std::string> listen;            // /healthz, /readyz, /metrics
  std::chrono::milliseconds shutdown_timeout{30'000};
  // run --git-url: the configuration from a git repository (daemon/git_source.hpp); -c is then
  // where in the repository it is (--git-path), and --state-dir is required.
  std::optional<std::string> git_url;
  std::optional<std::string> git_ref;
  std::optional<std::filesystem::path> git_path;
  std::chrono::milliseconds git_interval{60'000};
  std::optional<std::filesystem::path> git_token_file;
  // run --notify: where events are POSTed (checked by parse_notify_url; a URL's path may be a
  // secret, never shown), and in which shape.
  std::vector<std::string> notify;
  NotifyFormat notify_format = NotifyFormat::json;
  // run --git-url --listen: POST /hooks/git fetches at once when signed with this secret.
  std::optional<std::filesystem::path> webhook_secret_file;
  std::optional<std::filesystem::path> git_ssh_key_file;  // ssh:// and user@host:path
  std::optional<std::filesystem::path> git_known_hosts;   // the SSH host keys trusted
  // Verification: only commits signed by a key of these are applied.
  std::optional<std::filesystem::path> git_verify_allowed_signers;
  std::optional<std::filesystem::path> git_verify_gpg_keyring;
  // run, hidden options for tests: the quiet awaited after a change, and the wait after a first
  // failed pass; unset: PassTiming's (daemon/pass_timer.hpp).
  std::optional<std::chrono::milliseconds> debounce;
  std::optional<std::chrono::milliseconds> first_retry;
};

// Options to run with, or the exit code to leave with (0 after --help, --version, `version`,
// `completion SHELL` and `man`, which print on stdout; 1 after a usage error, said on stderr).
[[nodiscard]] std::variant<Options, int> parse_command_line(int argc, const char* const* argv);

// The command line's tables as cfsync's own values, read from the parser itself: what shell
// completions and the man page are made from (daemon/completion.hpp).
struct OptionSpec {
  std::vector<std::string> names;    // "-c", "--config"; for a positional, its name alone
  std::string value;                 // what it takes ("PATH"); empty for a flag
  std::vector<std::string> choices;  // the values it accepts, when they are a fixed set
  bool path = false;                 // takes a file or directory name
  std::string description;
  std::string default_text;
  std::string env;  // an environment variable it is read from
};

struct CommandSpec {
  std::string name;
  std::string description;
  std::vector<OptionSpec> options;
  std::vector<OptionSpec> positionals;
};

struct CommandLineSpec {
  std::string description;
  std::vector<OptionSpec> global;  // every command takes them
  std::vector<CommandSpec> commands;
};

[[nodiscard]] CommandLineSpec command_line_spec();

}  // namespace cfsync::daemon
