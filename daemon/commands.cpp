#include "daemon/commands.hpp"

#include "api/client.hpp"
#include "api/clock.hpp"
#include "api/provider.hpp"
#include "api/settings.hpp"
#include "api/transport.hpp"
#include "config/dataset_records.hpp"
#include "config/digest_cache.hpp"
#include "config/item_records.hpp"
#include "config/load.hpp"
#include "config/state_file.hpp"
#include "daemon/export.hpp"
#include "daemon/interrupt.hpp"
#include "daemon/lock.hpp"
#include "daemon/mask_key.hpp"
#include "daemon/progress.hpp"
#include "daemon/report.hpp"
#include "daemon/saved_plan.hpp"
#include "daemon/schema.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/safety.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <random>
#include <set>

namespace cfsync::daemon {

namespace {

constexpr int k_exit_ok = 0;
constexpr int k_exit_error = 1;
constexpr int k_exit_changes = 2;
constexpr int k_exit_drift = 3;
// Item upload records are written after this many changes, and after the apply.
constexpr std::size_t k_item_record_batch = 256;

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

std::filesystem::path state_dir_of(const Options& options, const Environment& environment,
                                   const config::Config& config) {
  if (options.state_dir) return *options.state_dir;
  if (environment.state_directory && !environment.state_directory->empty()) {
    return environment.state_directory->substr(0, environment.state_directory->find(':'));
  }
  return config.root / ".cfsync-state";
}

std::filesystem::path lock_dir_of(const Options& options, const Environment& environment) {
  if (options.lock_dir) return *options.lock_dir;
  if (environment.lock_directory && !environment.lock_directory->empty()) {
    return *environment.lock_directory;
  }
  return default_lock_dir(environment.root, environment.runtime_directory.value_or(""));
}

namespace {

// Hashes the documents whose content the plan must compare, through the digest cache.
Result<void> hash_documents(DesiredState& desired, const LiveState& live,
                            const std::filesystem::path& state_dir, spdlog::logger& log) {
  const auto needs = reconcile::digests_needed(desired, *live.ai_search_instances);
  config::DigestCache cache = config::DigestCache::open(state_dir);
  CFSYNC_TRY_VOID(config::fill_digests(desired, needs, cache));
  log.debug("{} documents hashed, {} read from disk", needs.size(), cache.files_read());
  // A cache that cannot be written costs a re-hash next time, nothing more.
  if (auto saved = cache.save(); !saved) log.warn("{}", saved.error().message());
  return {};
}

// Records of datasets that no longer exist are dropped; the rest go into `live` for the plan.
void attach_records(LiveDatasets& live, config::DatasetRecordStore& store) {
  std::set<std::string> ids;
  for (const LiveDataset& dataset : live.datasets) ids.insert(dataset.id);
  std::vector<std::string> gone;
  for (const auto& [id, record] : store.records()) {
    if (!ids.contains(id)) gone.push_back(id);
  }
  for (const std::string& id : gone) store.erase(id);
  live.records = store.records();
}

// Remembers what each dataset change sent as soon as it is applied, so that a run cut short
// does not upload the same file again.
// Notes a failed write of the state directory once, at error level.
void state_error(std::vector<std::string>& errors, const Error& error, spdlog::logger& log) {
  if (std::find(errors.begin(), errors.end(), error.message()) != errors.end()) return;
  log.error("{}", error.message());
  errors.push_back(error.message());
}

void record_outcome(const Plan& plan, const api::ChangeOutcome& outcome,
                    config::DatasetRecordStore& store, std::vector<std::string>& errors,
                    spdlog::logger& log) {
  store.note_applied(plan.changes.at(outcome.change), outcome.dataset_id, outcome.dataset_version,
                     !outcome.error);
  // Without the record the next run could only upload once more: the pass fails. Unchanged: no
  // write.
  if (auto saved = store.save(); !saved) state_error(errors, saved.error(), log);
}

// What this machine uploaded as each item goes into `live` for the plan.
void attach_item_records(std::vector<LiveInstance>& live, const config::ItemRecordStore& store) {
  for (LiveInstance& instance : live) {
    for (LiveItem& item : instance.items) {
      const auto found = store.records().find(item.id);
      if (found != store.records().end()) item.record = found->second;
    }
  }
}

// Remembers what each upload sent (its content's SHA-256, size and metadata keys) as it is
// applied, written in batches and once more after the apply, and forgets the items cfsync
// deleted.
void record_item_outcome(const Change& change, const api::ChangeOutcome& outcome,
                         config::ItemRecordStore& store, std::vector<std::string>& errors,
                         spdlog::logger& log) {
  const UploadItem* upload = std::get_if<UploadItem>(&change.payload);
  if (const auto* replace = std::get_if<ReplaceItem>(&change.payload)) {
    store.erase(replace->remove.item_id);
    upload = &replace->upload;
  } else if (const auto* remove = std::get_if<DeleteItem>(&change.payload)) {
    store.erase(remove->item_id);
  }
  const DesiredDocument* document = upload != nullptr ? &upload->document : nullptr;
  if (document != nullptr && document->digests && !outcome.error && !outcome.item_id.empty()) {
    const auto sha256 = document->digests->find("sha256");
    if (sha256 != document->digests->end()) {
      ItemRecord record{.sha256 = sha256->second, .size = document->size};
      for (const auto& [key, value] : document->metadata) record.metadata_keys.push_back(key);
      store.set(outcome.item_id, std::move(record));
    }
  }
  // Without the record, an item whose checksum cannot be compared is uploaded once more.
  if (auto saved = store.save_batched(k_item_record_batch); !saved) {
    state_error(errors, saved.error(), log);
  }
}

// Whether the plan sends content whose upload is recorded: to a dataset, as an item.
bool uploads_to(const Plan& plan, bool items) {
  return std::any_of(plan.changes.begin(), plan.changes.end(), [items](const Change& change) {
    if (items) {
      return std::holds_alternative<UploadItem>(change.payload) ||
             std::holds_alternative<ReplaceItem>(change.payload);
    }
    return std::holds_alternative<CreateDataset>(change.payload) ||
           std::holds_alternative<UploadDataset>(change.payload);
  });
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
  if (!desired.datasets.empty()) {
    parts.push_back(std::to_string(desired.datasets.size()) + " dataset(s)");
  }
  if (!desired.ai_search_instances.empty()) {
    parts.push_back(std::to_string(desired.ai_search_instances.size()) + " AI Search instance(s)");
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
  environment.lock_directory = env("CFSYNC_LOCK_DIR");
  environment.runtime_directory = env("XDG_RUNTIME_DIR");
  environment.root = ::geteuid() == 0;
  environment.no_color = env("NO_COLOR").has_value();
  environment.stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1;
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

Result<Pass> reconcile_pass(DesiredState& desired, const std::filesystem::path& state_dir,
                            api::Transport& client, const Options& options, bool drift,
                            const std::function<bool(const Pass&)>& before_apply,
                            const std::atomic<bool>* stop,
                            const std::shared_ptr<spdlog::logger>& logger) {
  spdlog::logger& log = *logger;
  api::CloudflareProvider provider(client, desired.account_id, logger, options.max_in_flight);
  provider.set_wait(options.wait_timeout, api::system_clock());
  // populate live: only what the configuration declares is read.
  CFSYNC_TRY(LiveState live, provider.populate(desired));
  // records: what this machine uploaded to each dataset.
  config::DatasetRecordStore records = config::DatasetRecordStore::open(state_dir);
  if (live.datasets) {
    attach_records(*live.datasets, records);
    live.datasets->retry_failed = options.retry_failed;
  }
  if (live.profiles) live.profiles->dedupe = options.dedupe;
  // records: what this machine uploaded as each AI Search item.
  config::ItemRecordStore item_records = config::ItemRecordStore::open(state_dir);
  if (live.ai_search_instances) attach_item_records(*live.ai_search_instances, item_records);
  // hash: every document, by the algorithm of its item's checksum and by SHA-256.
  if (live.ai_search_instances) {
    CFSYNC_TRY_VOID(hash_documents(desired, live, state_dir, log));
  }
  // plan: the pure diff.
  Pass pass;
  CFSYNC_TRY(pass.plan, reconcile::plan(desired, live));
  if (drift) {
    for (Change& change : pass.plan.changes) change.origin = Origin::drift;
  }
  pass.safety = reconcile::safety_problems(pass.plan, desired, live);
  pass.live_digest = provider.live_digest();
  if (!before_apply || !before_apply(pass) || pass.plan.empty()) return pass;
  // safety: before any write, a plan that takes away too much is refused.
  if (!pass.safety.empty() && !options.force) {
    Error refused(ErrorKind::plan,
                  "refusing to apply: the plan fails the safety checks, before any write (see "
                  "each below; change `safety:` or what the plan deletes, or apply with --force)");
    refused.details = pass.safety;
    return refused;
  }

  // state: each upload is recorded in the state directory, and one whose record could not be
  // kept would be sent again by every run (a full or read-only disk). The records are written
  // once before any upload, to know.
  for (const bool items : {false, true}) {
    if (!uploads_to(pass.plan, items)) continue;
    auto written = items ? item_records.write() : records.write();
    if (written) continue;
    Error refused(ErrorKind::state,
                  "refusing to apply: the state directory cannot be written, and cfsync records "
                  "each upload there (without the record every run would upload again)");
    refused.details.push_back(written.error().message());
    return refused;
  }

  // apply, recording each dataset upload at once.
  api::ApplyReport report;
  {
    Progress progress(pass.plan.changes.size(), log, status_line_of(log));
    report = provider.apply(
        pass.plan,
        [&](const api::ChangeOutcome& outcome) {
          record_outcome(pass.plan, outcome, records, pass.state_errors, log);
          const Change& change = pass.plan.changes.at(outcome.change);
          if (change.kind == ResourceKind::ai_search_item) {
            record_item_outcome(change, outcome, item_records, pass.state_errors, log);
          }
          progress.step();
        },
        stop);
  }
  if (auto saved = item_records.save(); !saved) state_error(pass.state_errors, saved.error(), log);
  if (stop && *stop) {
    // Stopping: what went up is recorded; processing and indexing are the next run's to see.
    log.warn("stopping: not waiting for dataset processing or indexing");
    pass.waited = false;
    pass.report = std::move(report);
    return pass;
  }
  // A wait that fails (the API unreachable) is an error, but what was applied is still reported.
  // Dataset uploads are not done until the API has processed them: always waited for.
  if (std::any_of(report.outcomes.begin(), report.outcomes.end(),
                  [](const api::ChangeOutcome& outcome) { return outcome.dataset_version; })) {
    auto processing =
        provider.wait_for_datasets(pass.plan, report, options.wait_timeout, api::system_clock());
    if (processing) {
      report.processing = std::move(*processing);
    } else {
      report_error(log, processing.error().context("waiting for dataset processing: "));
      pass.waited = false;
    }
  }
  // wait: until what was uploaded is indexed, when asked.
  if (options.wait) {
    auto indexing =
        provider.wait_for_indexing(pass.plan, report, options.wait_timeout, api::system_clock());
    if (!indexing) {
      report_error(log, indexing.error().context("waiting for indexing: "));
      pass.waited = false;
    } else if (!indexing->items.empty()) {
      report.indexing = std::move(*indexing);
    }
  }
  pass.report = std::move(report);
  return pass;
}

int run_command(const Options& options, const Environment& environment, std::ostream& out,
                const std::shared_ptr<spdlog::logger>& logger) {
  spdlog::logger& log = *logger;
  if (options.command == Command::schema) {
    out << config_schema();
    return k_exit_ok;
  }
  if (options.command == Command::export_) return export_command(options, environment, out, logger);
  // load desired: every configuration error is reported before anything is sent.
  auto config = load_config(options, environment);
  if (!config) {
    report_error(log, config.error());
    return k_exit_error;
  }
  DesiredState& desired = config->desired;
  if (options.command == Command::validate) {
    out << "Configuration is valid: " << config->files.size() << " file(s), account "
        << desired.account_id << ", declares " << declared(desired) << ".\n";
    return k_exit_ok;
  }
  const std::filesystem::path state_dir = state_dir_of(options, environment, *config);
  const bool apply = options.command == Command::apply;
  // Signals: an apply stops between changes, never in the middle of one.
  std::optional<Interrupt> interrupt;
  if (apply) interrupt.emplace(options.shutdown_timeout, logger);
  // One writer per account on this machine: apply waits for a daemon's pass, and the reverse.
  std::optional<WriterLock> lock;
  if (apply) {
    auto locked = WriterLock::acquire(lock_dir_of(options, environment), desired.account_id,
                                      state_dir, options.lock_timeout);
    if (!locked) {
      report_error(log, locked.error());
      return k_exit_error;
    }
    lock = std::move(*locked);
  }
  // Another account's state directory is refused before its records could be misread. A plan
  // that cannot write the claim (a read-only checkout) reads on.
  if (auto claimed = claim_state_dir(state_dir, desired.account_id); !claimed) {
    if (apply || claimed.error().kind() != ErrorKind::io) {
      report_error(log, claimed.error());
      return k_exit_error;
    }
    log.warn("{}", claimed.error().message());
  }
  // The key of the digests that stand for secrets in the plan. Without a state directory that
  // keeps it, a plan is shown with a key of its own, but cannot be saved.
  auto stored_key = MaskKey::load_or_create(state_dir);
  if (!stored_key && (apply || options.plan_out)) {
    report_error(log, stored_key.error());
    return k_exit_error;
  }
  const MaskKey mask_key = stored_key ? *stored_key : MaskKey::ephemeral();
  if (!stored_key) {
    log.warn("{}; the digests in this plan are keyed for this run only",
             stored_key.error().message());
  }
  const RenderOptions style{
      .color = options.color && environment.stdout_is_terminal && !environment.no_color,
      .show_sensitive = options.show_sensitive,
      .mask_key = &mask_key};

  auto transport = open_transport(options, environment, logger);
  if (!transport) {
    report_error(log, transport.error());
    return k_exit_error;
  }
  // Every request goes through the client: paced under the rate limit, retried when worth it.
  std::unique_ptr<api::Client> client = make_client(**transport, options, logger);

  // A saved plan: apply it only while the configuration and the account still yield it.
  std::optional<SavedPlan> saved;
  if (apply && options.plan_file) {
    auto read = read_saved_plan(*options.plan_file);
    if (!read) {
      report_error(log, read.error());
      return k_exit_error;
    }
    saved = std::move(*read);
  }
  const std::string desired_sha256 = desired_digest(*config);
  const auto as_saved = [&](const Pass& pass) {
    const std::string json = plan_json(pass.plan, desired.account_id, {.mask_key = &mask_key});
    return SavedPlan{desired.account_id,
                     mask_key.id(),
                     mask_key.digest(desired_sha256),
                     mask_key.digest(pass.live_digest),
                     mask_key.digest(json),
                     json};
  };
  std::vector<std::string> moved;
  const bool drift = last_applied(state_dir, desired.account_id) == desired_sha256;
  auto pass = reconcile_pass(
      desired, state_dir, *client, options, drift,
      [&](const Pass& computed) {
        if (!apply) return false;
        if (saved) {
          moved = saved_plan_drift(*saved, as_saved(computed));
          if (!moved.empty()) return false;
        }
        if (options.output == OutputFormat::text) {
          out << plan_text(computed.plan, desired.account_id, style)
              << (computed.plan.empty() ? "" : "\n");
        }
        interrupt->writing();
        return true;
      },
      interrupt ? interrupt->stop() : nullptr, logger);
  const bool stopped = interrupt && interrupt->stop()->load();
  if (interrupt) interrupt->done();
  if (!pass) {
    report_error(log, pass.error());
    return k_exit_error;
  }
  if (!moved.empty()) {
    Error refused(ErrorKind::plan, "refusing to apply " + options.plan_file->string() +
                                       ": it is not the plan the account needs now");
    refused.details = std::move(moved);
    report_error(log, refused);
    return k_exit_error;
  }
  if (!apply && options.plan_out) {
    if (auto written = write_saved_plan(*options.plan_out, as_saved(*pass)); !written) {
      report_error(log, written.error());
      return k_exit_error;
    }
    log.info("plan saved to {}; `cfsync apply {}` applies exactly it", options.plan_out->string(),
             options.plan_out->string());
  }
  const Plan& plan = pass->plan;
  if (!apply) {
    for (const std::string& line : pass->safety) {
      log.warn("apply would refuse this plan without --force: {}", line);
    }
    out << (options.output == OutputFormat::json ? plan_json(plan, desired.account_id, style)
                                                 : plan_text(plan, desired.account_id, style));
    if (options.drift_exitcode && drift && !plan.empty()) return k_exit_drift;
    if (options.detailed_exitcode && !plan.empty()) return k_exit_changes;
    return k_exit_ok;
  }
  if (!pass->report) {  // nothing to do; the text plan said so
    if (options.output == OutputFormat::json) {
      out << apply_json(plan, api::ApplyReport{}, desired.account_id, style);
    }
    return note_applied(state_dir, desired.account_id, desired_sha256, log) ? k_exit_ok
                                                                            : k_exit_error;
  }
  const api::ClientStats stats = client->stats();
  log.info("{} API requests, {} retries, {} answered 429, {} given up", stats.requests,
           stats.retries, stats.rate_limited, stats.gave_up);
  out << (options.output == OutputFormat::json
              ? apply_json(plan, *pass->report, desired.account_id, style)
              : apply_text(plan, *pass->report, style));
  if (!pass->report->ok() || !pass->waited || !pass->state_errors.empty() || stopped) {
    return k_exit_error;
  }
  return note_applied(state_dir, desired.account_id, desired_sha256, log) ? k_exit_ok
                                                                          : k_exit_error;
}

}  // namespace cfsync::daemon
