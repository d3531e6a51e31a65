#include "daemon/commands.hpp"

#include "api/client.hpp"
#include "api/clock.hpp"
#include "api/provider.hpp"
#include "api/settings.hpp"
#include "api/transport.hpp"
#include "config/dataset_scan_cache.hpp"
#include "config/load.hpp"
#include "config/state_file.hpp"
#include "daemon/approval.hpp"
#include "daemon/export.hpp"
#include "daemon/git_source.hpp"
#include "daemon/interrupt.hpp"
#include "daemon/lock.hpp"
#include "daemon/mask_key.hpp"
#include "daemon/pass_family.hpp"
#include "daemon/progress.hpp"
#include "daemon/report.hpp"
#include "daemon/saved_plan.hpp"
#include "daemon/schema.hpp"
#include "reconcile/family.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/safety.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <random>
#include <set>

namespace cfsync::daemon {

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_error = 1;
constexpr int k_exit_changes = 2;
constexpr int k_exit_drift = 3;

// After an apply that left nothing undone, the configuration is the one applied in full. False
// (logged) when that cannot be written: drift would then go unnoticed, so the run fails.
bool note_applied(const std::filesystem::path& state_dir, const std::string& account_id,
                  const std::string& desired_sha256, spdlog::logger& log) {
  auto recorded = record_applied(state_dir, account_id, desired_sha256);
  if (!recorded) log.error("{}", recorded.error().message());
  return recorded.has_value();
}

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

void report_error(spdlog::logger& log, const Error& error) {
  log.error("{}", error.describe());
  for (const std::string& line : error.details) log.error("{}", line);
}

Result<config::Config> load_config(const Options& options, const Environment& environment,
                                   spdlog::logger& log) {
  std::filesystem::path path;
  if (options.config) {
    path = *options.config;
  } else {
    CFSYNC_TRY(path, config::default_path(std::filesystem::current_path()));
  }
  // A dataset file is scanned only when it changed: a large one costs seconds of CPU. Without a
  // root, the load fails before any dataset is read.
  const auto root = config::config_root(path);
  config::DatasetScanCache scans =
      config::DatasetScanCache::open(root ? state_dir_of(options, environment, *root) : "");
  if (!scans.warning().empty()) log.warn("{}", scans.warning());
  auto loaded = config::load(
      {.path = path, .env_account_id = environment.account_id, .dataset_scans = &scans});
  const std::size_t scanned = scans.files_scanned();
  log.debug("{} dataset {} scanned", scanned, scanned == 1 ? "file" : "files");
  // validate only reads: it creates no state directory, and leaves a checkout as it was.
  if (options.command == Command::validate) return loaded;
  // Malformed files are kept too: their problem is what the next load reports.
  if (auto saved = scans.save(); !saved) log.warn("{}", saved.error().message());
  return loaded;
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
  settings.user_agent = "cfsync/" + std::string(k_version);
  return api::make_http_transport(settings, std::move(log));
}

std::filesystem::path state_dir_of(const Options& options, const Environment& environment,
                                   const std::filesystem::path& config_root) {
  if (options.state_dir) return *options.state_dir;
  if (environment.state_directory && !environment.state_directory->empty()) {
    return environment.state_directory->substr(0, environment.state_directory->find(':'));
  }
  return config_root / ".cfsync-state";
}

std::filesystem::path lock_dir_of(const Options& options, const Environment& environment) {
  if (options.lock_dir) return *options.lock_dir;
  if (environment.lock_directory && !environment.lock_directory->empty()) {
    return *environment.lock_directory;
  }
  return default_lock_dir(environment.root, environment.runtime_directory.value_or(""));
}

namespace {

std::vector<std::string> declared_parts(const DesiredState& desired) {
  std::vector<std::string> parts;
  for (const reconcile::Family* family : reconcile::families()) family->declared(desired, parts);
  return parts;
}

std::string declared(const DesiredState& desired) {
  const std::vector<std::string> parts = declared_parts(desired);
  if (parts.empty()) return "nothing to manage";
  return fmt::format("{}", fmt::join(parts, ", "));
}

// A command's error: logged on stderr, and with --output json also on stdout as JSON, so that a
// pipeline reading stdout never gets nothing. Exit code 1.
int report_failure(const Options& options, std::ostream& out, spdlog::logger& log,
                   const Error& error) {
  report_error(log, error);
  if (options.output == OutputFormat::json) out << error_json(error);
  return k_exit_error;
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
  environment.lock_directory = env("CFSYNC_LOCK_DIR");
  environment.runtime_directory = env("XDG_RUNTIME_DIR");
  environment.root = ::geteuid() == 0;
  environment.no_color = env("NO_COLOR").has_value();
  environment.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
  environment.stdin_is_terminal = ::isatty(STDIN_FILENO) == 1;
  return environment;
}

std::unique_ptr<api::Client> make_client(api::Transport& transport, const Options& options,
                                         std::shared_ptr<spdlog::logger> logger) {
  return std::make_unique<api::Client>(
      transport,
      api::ClientPolicy{.retry = {.attempts = options.max_attempts},
                        .rate_limit = options.rate_limit,
                        .request_timeout = options.request_timeout},
      api::system_clock(),
      [random = std::mt19937_64(std::random_device{}())]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(random);
      },
      std::move(logger));
}

namespace {

using PassFamilies = std::vector<std::pair<std::string_view, std::unique_ptr<PassFamily>>>;

PassFamily* pass_family_of(PassFamilies& families, ResourceKind kind) {
  const std::string_view name = reconcile::family_of(kind).name;
  for (auto& [family, part] : families) {
    if (family == name) return part.get();
  }
  return nullptr;
}

// The writes, each outcome passed to its family's part as soon as it is known.
api::ApplyReport apply(api::CloudflareProvider& provider, PassFamilies& families, const Plan& plan,
                       StateErrors& errors, const std::atomic<bool>* stop, spdlog::logger& log) {
  Progress progress(plan.changes.size(), log, status_line_of(log));
  api::ApplyReport report = provider.apply(
      plan,
      [&](const api::ChangeOutcome& outcome) {
        const Change& change = plan.changes.at(outcome.change);
        if (PassFamily* part = pass_family_of(families, change.kind)) {
          part->applied(change, outcome, errors);
        }
        progress.step();
      },
      stop);
  for (auto& [family, part] : families) part->after_apply(errors);
  return report;
}

}  // namespace

Result<Pass> reconcile_pass(DesiredState& desired, const std::filesystem::path& state_dir,
                            api::Transport& client, const Options& options, bool drift,
                            const std::function<bool(const Pass&)>& before_apply,
                            const std::atomic<bool>* stop,
                            const std::shared_ptr<spdlog::logger>& logger) {
  spdlog::logger& log = *logger;
  api::CloudflareProvider provider(client, desired.account_id, logger, options.max_in_flight);
  provider.set_wait(options.wait_timeout, api::system_clock());
  PassFamilies families = make_pass_families(state_dir, log);
  // populate: only what the configuration declares is read; then what this machine knows.
  CFSYNC_TRY(LiveState live, provider.populate(desired));
  for (auto& [family, part] : families) {
    CFSYNC_TRY_VOID(part->prepare(desired, live, options));
  }
  // plan: the pure diff.
  Pass pass;
  CFSYNC_TRY(pass.plan, reconcile::plan(desired, live));
  if (drift) {
    for (Change& change : pass.plan.changes) change.origin = Origin::drift;
  }
  // safety: before any write, a plan that takes away too much is refused.
  pass.safety = reconcile::safety_problems(pass.plan, desired, live);
  pass.live_digest = provider.live_digest();
  // suspend: true writes nothing, whatever the caller would do.
  if (desired.suspended || !before_apply || !before_apply(pass) || pass.plan.empty()) return pass;
  if (!pass.safety.empty() && !options.force) {
    Error refused(ErrorKind::plan,
                  "refusing to apply: the plan fails the safety checks, before any write (see "
                  "each below; change `safety:` or what the plan deletes, or apply with --force)");
    refused.details = pass.safety;
    return refused;
  }
  // state: what the apply will record can be written, or nothing is.
  for (auto& [family, part] : families) {
    CFSYNC_TRY_VOID(part->before_apply(pass.plan));
  }
  // apply
  StateErrors errors(log);
  pass.report = apply(provider, families, pass.plan, errors, stop, log);
  pass.state_errors = errors.take();
  if (stop && *stop) {
    // Stopping: what went up is recorded; processing and indexing are the next run's to see.
    log.warn("stopping: not waiting for dataset processing or indexing");
    pass.waited = false;
    return pass;
  }
  // after-apply: dataset processing, and indexing with --wait. A wait that fails (the API
  // unreachable) is an error, but what was applied is still reported.
  const api::AfterApply waits{.timeout = options.wait_timeout,
                              .clock = &api::system_clock(),
                              .wait_for_indexing = options.wait};
  for (const Error& failed : provider.after_apply(pass.plan, *pass.report, waits)) {
    report_error(log, failed);
    pass.waited = false;
  }
  return pass;
}

namespace {

// `plan` or `apply` of a loaded configuration, step by step.
class PlanOrApply {
 public:
  PlanOrApply(const Options& options, const Environment& environment, config::Config& config,
              std::ostream& out, const std::shared_ptr<spdlog::logger>& logger)
      : m_options(options),
        m_environment(environment),
        m_config(config),
        m_desired(config.desired),
        m_out(out),
        m_logger(logger),
        m_log(*logger),
        m_state_dir(state_dir_of(options, environment, config.root)),
        m_apply(options.command == Command::apply) {}

  // The exit code; errors are logged.
  int run() {
    auto code = run_steps();
    // With JSON output nothing is on stdout yet when run_steps fails: what prints it returns
    // no error after it.
    if (!code) return report_failure(m_options, m_out, m_log, code.error());
    return *code;
  }

 private:
  Result<int> run_steps() {
    CFSYNC_TRY_VOID(take_state());
    CFSYNC_TRY(std::unique_ptr<api::Transport> transport,
               open_transport(m_options, m_environment, m_logger));
    // Every request goes through the client: paced under the rate limit, retried when worth it.
    const std::unique_ptr<api::Client> client = make_client(*transport, m_options, m_logger);
    // A saved plan: apply it only while the configuration and the account still yield it.
    if (m_apply && m_options.plan_file) {
      CFSYNC_TRY(m_saved, read_saved_plan(*m_options.plan_file));
    }
    CFSYNC_TRY(m_desired_sha256, desired_digest(m_config));
    m_origin.suspended = m_desired.suspended;
    if (const std::optional<Revision> revision = revision_of_checkout(m_config.root)) {
      m_origin.revision = revision->text();
    }
    m_drift = last_applied(m_state_dir, m_desired.account_id) == m_desired_sha256;
    auto pass = reconcile_pass(
        m_desired, m_state_dir, *client, m_options, m_drift,
        [this](const Pass& computed) { return go_ahead(computed); },
        m_interrupt ? m_interrupt->stop() : nullptr, m_logger);
    const bool stopped = m_interrupt && m_interrupt->stop()->load();
    if (m_interrupt) m_interrupt->done();
    if (!pass) return pass.error();
    if (m_not_approved) return Error(ErrorKind::usage, *m_not_approved);
    m_origin.safety = pass->safety;
    if (!m_moved.empty()) {
      Error refused(ErrorKind::plan, "refusing to apply " + m_options.plan_file->string() +
                                         ": it is not the plan the account needs now");
      refused.details = std::move(m_moved);
      return refused;
    }
    if (!m_apply) return show_plan(*pass);
    return show_apply(*pass, client->stats(), stopped);
  }

  // Signals, the account's lock, the state directory's claim, and the key of the digests that
  // stand for secrets in the plan.
  Result<void> take_state() {
    // Signals: an apply stops between changes, never in the middle of one.
    if (m_apply) m_interrupt.emplace(m_options.shutdown_timeout, m_logger);
    // One writer per account on this machine: apply waits for a daemon's pass, and the reverse.
    if (m_apply) {
      CFSYNC_TRY(WriterLock lock,
                 WriterLock::acquire(lock_dir_of(m_options, m_environment), m_desired.account_id,
                                     m_state_dir, m_options.lock_timeout));
      m_lock.emplace(std::move(lock));
    }
    // Another account's state directory is refused before its records could be misread. A plan
    // that cannot write the claim (a read-only checkout) reads on.
    if (auto claimed = claim_state_dir(m_state_dir, m_desired.account_id); !claimed) {
      if (m_apply || claimed.error().kind() != ErrorKind::io) return claimed.error();
      m_log.warn("{}", claimed.error().message());
    }
    // Without a state directory that keeps the key, a plan is shown with a key of its own, but
    // cannot be saved.
    auto stored_key = MaskKey::load_or_create(m_state_dir);
    if (!stored_key && (m_apply || m_options.plan_out)) return stored_key.error();
    if (!stored_key) {
      m_log.warn("{}; the digests in this plan are keyed for this run only",
                 stored_key.error().message());
    }
    m_mask_key.emplace(stored_key ? *stored_key : MaskKey::ephemeral());
    m_style = {
        .color = m_options.color && m_environment.stdout_is_terminal && !m_environment.no_color,
        .show_sensitive = m_options.show_sensitive,
        .mask_key = &*m_mask_key};
    return {};
  }

  // Whether the computed plan is applied: by apply only, a saved plan only while it is still
  // the plan the account needs, and on a terminal only when the user says yes.
  bool go_ahead(const Pass& computed) {
    if (!m_apply || m_desired.suspended) return false;
    if (m_saved) {
      m_moved = saved_plan_drift(*m_saved, as_saved(computed));
      if (!m_moved.empty()) return false;
    }
    m_origin.safety = computed.safety;
    if (m_options.output == OutputFormat::text) {
      m_out << plan_text(computed.plan, m_desired.account_id, m_style, m_origin)
            << (computed.plan.empty() ? "" : "\n");
    }
    // Nothing to do, or a plan the safety checks refuse: nothing to approve.
    const bool refused = !computed.safety.empty() && !m_options.force;
    if (!computed.plan.empty() && !refused && !approved()) return false;
    m_interrupt->writing();
    return true;
  }

  // Whether the plan just shown may be written; m_not_approved says why not.
  bool approved() {
    const bool interactive = m_environment.stdin_is_terminal && m_environment.stdout_is_terminal;
    switch (approval_for(m_options, interactive)) {
      case Approval::given:
        return true;
      case Approval::not_asked:
        m_log.warn("{}", k_not_asked_note);
        return true;
      case Approval::json_needs:
        m_not_approved =
            "--output json on a terminal shows no plan to approve: review it with `cfsync plan`, "
            "then apply with --auto-approve; nothing was written";
        return false;
      case Approval::ask:
        if (ask_approval(std::cin, m_out)) return true;
        m_not_approved = "apply cancelled: only 'yes' approves the plan; nothing was written";
        return false;
    }
    return false;
  }

  SavedPlan as_saved(const Pass& pass) const {
    const std::string json = plan_json(pass.plan, m_desired.account_id, {.mask_key = &*m_mask_key});
    return SavedPlan{m_desired.account_id,
                     m_mask_key->id(),
                     m_mask_key->digest(m_desired_sha256),
                     m_mask_key->digest(pass.live_digest),
                     m_mask_key->digest(json),
                     json};
  }

  // The plan in the format asked for, with its origin and safety refusals.
  std::string shown(const Plan& plan) const {
    switch (m_options.output) {
      case OutputFormat::json:
        return plan_json(plan, m_desired.account_id, m_style, m_origin);
      case OutputFormat::markdown:
        return plan_markdown(plan, m_desired.account_id, m_style, m_origin);
      case OutputFormat::text:
        break;
    }
    return plan_text(plan, m_desired.account_id, m_style, m_origin);
  }

  Result<int> show_plan(const Pass& pass) {
    if (m_options.plan_out) {
      CFSYNC_TRY_VOID(write_saved_plan(*m_options.plan_out, as_saved(pass)));
      m_log.info("plan saved to {}; `cfsync apply {}` applies exactly it",
                 m_options.plan_out->string(), m_options.plan_out->string());
    }
    // On stderr too: the log is where a daemon's or a CI job's operator looks, and stdout may
    // go to a file or a PR comment.
    for (const std::string& line : pass.safety) {
      m_log.warn("apply would refuse this plan without --force: {}", line);
    }
    const Plan& plan = pass.plan;
    m_out << shown(plan);
    if (m_options.drift_exitcode && m_drift && !plan.empty()) return k_exit_drift;
    if (m_options.detailed_exitcode && !plan.empty()) return k_exit_changes;
    return k_exit_ok;
  }

  Result<int> show_apply(const Pass& pass, const api::ClientStats& stats, bool stopped) {
    const Plan& plan = pass.plan;
    if (m_desired.suspended) {
      // Nothing was written, and the configuration is not the one applied.
      m_out << shown(plan);
      m_log.warn("the configuration says `suspend: true`: nothing applied");
      return k_exit_ok;
    }
    if (!pass.report) {  // nothing to do; the text plan said so
      if (m_options.output == OutputFormat::json) {
        m_out << apply_json(plan, api::ApplyReport{}, m_desired.account_id, m_style);
      }
      if (m_options.output == OutputFormat::markdown) m_out << shown(plan);
      return noted();
    }
    m_log.info("{} API requests, {} retries, {} answered 429, {} given up", stats.requests,
               stats.retries, stats.rate_limited, stats.gave_up);
    switch (m_options.output) {
      case OutputFormat::json:
        m_out << apply_json(plan, *pass.report, m_desired.account_id, m_style);
        break;
      case OutputFormat::markdown:
        m_out << apply_markdown(plan, *pass.report, m_desired.account_id, m_style);
        break;
      case OutputFormat::text:
        m_out << apply_text(plan, *pass.report, m_style);
        break;
    }
    if (!pass.report->ok() || !pass.waited || !pass.state_errors.empty() || stopped) {
      return k_exit_error;
    }
    return noted();
  }

  // After an apply that left nothing undone, the configuration is the one applied in full.
  int noted() {
    return note_applied(m_state_dir, m_desired.account_id, m_desired_sha256, m_log) ? k_exit_ok
                                                                                    : k_exit_error;
  }

  const Options& m_options;
  const Environment& m_environment;
  config::Config& m_config;
  DesiredState& m_desired;
  std::ostream& m_out;
  const std::shared_ptr<spdlog::logger>& m_logger;
  spdlog::logger& m_log;
  const std::filesystem::path m_state_dir;
  const bool m_apply;
  std::optional<Interrupt> m_interrupt;
  std::optional<WriterLock> m_lock;
  std::optional<MaskKey> m_mask_key;
  RenderOptions m_style;
  std::optional<SavedPlan> m_saved;
  std::string m_desired_sha256;
  bool m_drift = false;
  std::vector<std::string> m_moved;           // why a saved plan is no longer the one to apply
  std::optional<std::string> m_not_approved;  // why the plan was not approved (apply)
  PlanOrigin m_origin;
};

}  // namespace

int run_command(const Options& options, const Environment& environment, std::ostream& out,
                const std::shared_ptr<spdlog::logger>& logger) {
  if (options.command == Command::schema) {
    out << config_schema();
    return k_exit_ok;
  }
  if (options.command == Command::export_) return export_command(options, environment, out, logger);
  // load desired: every configuration error is reported before anything is sent.
  auto config = load_config(options, environment, *logger);
  if (!config) return report_failure(options, out, *logger, config.error());
  if (options.command == Command::validate) {
    if (options.output == OutputFormat::json) {
      out << validate_json(config->desired.account_id, config->files.size(),
                           declared_parts(config->desired));
      return k_exit_ok;
    }
    out << "Configuration is valid: " << config->files.size() << " file(s), account "
        << config->desired.account_id << ", declares " << declared(config->desired) << ".\n";
    return k_exit_ok;
  }
  return PlanOrApply(options, environment, *config, out, logger).run();
}

}  // namespace cfsync::daemon
