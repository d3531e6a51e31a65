#include "daemon/commands.hpp"

#include "api/clock.hpp"
#include "api/provider.hpp"
#include "api/settings.hpp"
#include "api/transport.hpp"
#include "config/digest_cache.hpp"
#include "config/load.hpp"
#include "daemon/report.hpp"
#include "reconcile/planner.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <cstdlib>
#include <ostream>

namespace cfsync::daemon {

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_error = 1;
constexpr int k_exit_changes = 2;

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void report_error(spdlog::logger& log, const Error& error) {
  log.error("{}", error.describe());
  for (const std::string& line : error.details) log.error("{}", line);
}

Result<config::Config> load_config(const Options& options, const Environment& environment) {
  std::filesystem::path path;
  if (options.config) {
    path = *options.config;
  } else {
    CFSYNC_TRY(path, config::default_path(std::filesystem::current_path()));
  }
  return config::load({.path = path, .env_account_id = environment.account_id});
}

Result<std::unique_ptr<api::Transport>> open_transport(const Options& options,
                                                       const Environment& environment,
                                                       std::shared_ptr<spdlog::logger> log) {
  api::ClientSettings settings;
  CFSYNC_TRY(settings.endpoint, api::parse_base_url(options.api_url, options.insecure_http));
  api::CredentialSources sources{.token_file = options.token_file,
                                 .env_token = environment.api_token,
                                 .env_email = environment.email,
                                 .env_key = environment.api_key};
  if (environment.credentials_directory) {
    sources.credentials_directory = *environment.credentials_directory;
  }
  CFSYNC_TRY(settings.credentials, api::load_credentials(sources));
  settings.request_timeout = options.request_timeout;
  settings.max_response_bytes = options.max_response_bytes;
  settings.ca_file = options.ca_file;
  settings.user_agent = "cfsync/0.1.0";
  return api::make_http_transport(settings, std::move(log));
}

// --state-dir, else systemd's StateDirectory= (the first, when it names several), else
// .cfsync-state/ in the config's root.
std::filesystem::path state_dir_of(const Options& options, const Environment& environment,
                                   const config::Config& config) {
  if (options.state_dir) return *options.state_dir;
  if (environment.state_directory && !environment.state_directory->empty()) {
    return environment.state_directory->substr(0, environment.state_directory->find(':'));
  }
  return config.root / ".cfsync-state";
}

// Hashes the documents whose content the plan must compare, through the digest cache.
Result<void> hash_documents(DesiredState& desired, const LiveState& live,
                            const std::filesystem::path& state_dir, spdlog::logger& log) {
  const auto needs = reconcile::digests_needed(desired, *live.ai_search_instances);
  config::DigestCache cache = config::DigestCache::open(state_dir);
  CFSYNC_TRY_VOID(config::fill_digests(desired, needs, cache));
  log.debug("{} documents compared by checksum, {} read from disk", needs.size(),
            cache.files_read());
  // A cache that cannot be written costs a re-hash next time, nothing more.
  if (auto saved = cache.save(); !saved) log.warn("{}", saved.error().message());
  return {};
}

std::string declared(const DesiredState& desired) {
  std::vector<std::string> parts;
  if (desired.dlp_settings) parts.emplace_back("dlp settings");
  if (!desired.profiles.empty()) {
    parts.push_back(std::to_string(desired.profiles.size()) + " dlp profile(s)");
  }
  if (!desired.predefined_profiles.empty()) {
    parts.push_back(std::to_string(desired.predefined_profiles.size()) + " predefined profile(s)");
  }
  if (parts.empty()) return "nothing to manage";
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

Environment Environment::from_process() {
  Environment environment;
  environment.account_id = env("CLOUDFLARE_ACCOUNT_ID");
  environment.api_token = env("CLOUDFLARE_API_TOKEN");
  environment.email = env("CLOUDFLARE_EMAIL");
  environment.api_key = env("CLOUDFLARE_API_KEY");
  environment.credentials_directory = env("CREDENTIALS_DIRECTORY");
  environment.state_directory = env("STATE_DIRECTORY");
  environment.no_color = env("NO_COLOR").has_value();
  environment.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  return environment;
}

int run_command(const Options& options, const Environment& environment, std::ostream& out,
                const std::shared_ptr<spdlog::logger>& logger) {
  spdlog::logger& log = *logger;
  const RenderOptions style{
      .color = options.color && environment.stdout_is_terminal && !environment.no_color,
      .show_sensitive = options.show_sensitive};
  // load desired: every configuration error is reported before anything is sent.
  auto config = load_config(options, environment);
  if (!config) {
    report_error(log, config.error());
    return k_exit_error;
  }
  DesiredState desired = std::move(config->desired);
  if (options.command == Command::validate) {
    out << "Configuration is valid: " << config->files.size() << " file(s), account "
        << desired.account_id << ", declares " << declared(desired) << ".\n";
    return k_exit_ok;
  }

  auto transport = open_transport(options, environment, logger);
  if (!transport) {
    report_error(log, transport.error());
    return k_exit_error;
  }
  api::CloudflareProvider provider(**transport, desired.account_id, logger);

  // populate live: only what the configuration declares is read.
  auto live = provider.populate(desired);
  if (!live) {
    report_error(log, live.error());
    return k_exit_error;
  }
  // hash: documents whose live item has their size are compared by content.
  if (live->ai_search_instances) {
    auto hashed = hash_documents(desired, *live, state_dir_of(options, environment, *config), log);
    if (!hashed) {
      report_error(log, hashed.error());
      return k_exit_error;
    }
  }
  // plan: the pure diff.
  auto plan = reconcile::plan(desired, *live);
  if (!plan) {
    report_error(log, plan.error());
    return k_exit_error;
  }

  if (options.command == Command::plan) {
    out << (options.output == OutputFormat::json ? plan_json(*plan, desired.account_id, style)
                                                 : plan_text(*plan, desired.account_id, style));
    if (options.detailed_exitcode && !plan->empty()) return k_exit_changes;
    return k_exit_ok;
  }

  // apply, then report what was done.
  if (options.output == OutputFormat::text) {
    out << plan_text(*plan, desired.account_id, style);
    if (plan->empty()) return k_exit_ok;
    out << "\n";
  }
  api::ApplyReport report = provider.apply(*plan);
  // wait: until what was uploaded is indexed, when asked.
  if (options.wait) {
    auto indexing =
        provider.wait_for_indexing(*plan, report, options.wait_timeout, api::system_clock());
    if (!indexing) {
      report_error(log, indexing.error().context("waiting for indexing: "));
      return k_exit_error;
    }
    if (!indexing->items.empty()) report.indexing = std::move(*indexing);
  }
  out << (options.output == OutputFormat::json
              ? apply_json(*plan, report, desired.account_id, style)
              : apply_text(*plan, report, style));
  return report.ok() ? k_exit_ok : k_exit_error;
}

}  // namespace cfsync::daemon
