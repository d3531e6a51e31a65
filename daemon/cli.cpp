#include "daemon/cli.hpp"

#include "api/settings.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::daemon {

namespace {

constexpr std::string_view k_version = "0.1.0";

CLI::Validator duration_ms() {
  static const std::map<std::string, double> units = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  constexpr auto options = static_cast<CLI::AsNumberWithUnit::Options>(
      CLI::AsNumberWithUnit::CASE_SENSITIVE | CLI::AsNumberWithUnit::UNIT_REQUIRED);
  return CLI::AsNumberWithUnit(units, options, "DURATION");
}

// An option in the units people type ("500ms", "30s", "5m"), read as milliseconds.
CLI::Option* add_duration(CLI::App* app, const std::string& name, double& milliseconds,
                          const std::string& help, const std::string& default_text) {
  return app->add_option(name, milliseconds, help)
      ->transform(duration_ms().description(""))
      ->type_name("DURATION")
      ->default_str(default_text);
}

}  // namespace

std::variant<Options, int> parse_command_line(int argc, const char* const* argv) {
  Options options;
  CLI::App app{
      "cfsync keeps a Cloudflare account's DLP and AI Search configuration equal to what a git "
      "repository declares.",
      "cfsync"};
  app.set_version_flag("--version", std::string(k_version));
  app.require_subcommand(0, 1);
  app.fallthrough();

  std::string config;
  app.add_option("-c,--config", config,
                 "A YAML file, or a directory whose *.yaml files are merged "
                 "(default: ./cfsync.yaml, else ./cfsync/)")
      ->type_name("PATH");
  options.api_url = std::string(api::k_default_base_url);
  app.add_option("--api-url", options.api_url, "Cloudflare API base URL")
      ->type_name("URL")
      ->envname("CLOUDFLARE_BASE_URL")
      ->capture_default_str();
  std::string token_file;
  app.add_option("--token-file", token_file, "Read the API token from this file")
      ->type_name("PATH")
      ->check(CLI::ExistingFile);
  std::string ca_file;
  app.add_option("--ca-file", ca_file,
                 "Also trust the CA certificates (PEM) in this file, e.g. for a TLS-inspecting "
                 "proxy")
      ->type_name("PATH")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure-http", options.insecure_http,
               "Allow http:// to a host that is not loopback (sends the token in clear)");
  double timeout_ms = 30'000;
  add_duration(&app, "--request-timeout", timeout_ms,
               "Time limit for each step of an API request (connecting, each write, the answer), "
               "e.g. 30s",
               "30s");
  std::uint64_t max_response_bytes = options.max_response_bytes;
  app.add_option("--max-response-bytes", max_response_bytes,
                 "Largest API response accepted, e.g. 16MiB")
      ->transform(CLI::AsSizeValue(false).description(""))
      ->type_name("SIZE")
      ->default_str("16MiB");
  app.add_option("--max-in-flight", options.max_in_flight,
                 "Changes applied (export: items downloaded) at the same time, each over its own "
                 "keep-alive connection")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
      ->capture_default_str();
  app.add_option("--max-attempts", options.max_attempts,
                 "Attempts per API request before giving up (connection errors, timeouts, 408, "
                 "429 and 5xx are retried with backoff)")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  std::string rate_limit = "1200/300s";
  app.add_option("--rate-limit", rate_limit,
                 "Requests per period cfsync allows itself (Cloudflare's limit per token); the "
                 "API's rate-limit headers slow it down further")
      ->type_name("N/PERIOD")
      ->capture_default_str();
  std::string output = "text";
  app.add_option("--output", output, "Plan and apply output")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_flag("--show-sensitive", options.show_sensitive,
               "Show regexes and word lists in plans instead of a digest");
  bool no_color = false;
  app.add_flag("--no-color", no_color, "Never colour the text output");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "Log lines on stderr")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--log-level", options.log_level, "Least severe log level shown")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  std::string state_dir;
  app.add_option(
         "--state-dir", state_dir,
         "Where cfsync keeps what it may forget (document digests, dataset uploads); default: "
         "$STATE_DIRECTORY, else .cfsync-state/ in the config's directory")
      ->type_name("PATH");
  std::string lock_dir;
  app.add_option("--lock-dir", lock_dir,
                 "Where apply and run lock each account, so that one writes at a time on this "
                 "machine whatever the state directory; default: $CFSYNC_LOCK_DIR, else "
                 "/run/lock/cfsync (root, services), else $XDG_RUNTIME_DIR/cfsync")
      ->type_name("DIR");
  bool apply_flag = false;
  app.add_flag("--apply", apply_flag, "Same as the apply command");

  CLI::App* validate = app.add_subcommand("validate", "Check the configuration; send nothing");
  CLI::App* plan = app.add_subcommand("plan", "Show the changes apply would make");
  plan->add_flag("--detailed-exitcode", options.detailed_exitcode,
                 "Exit 0 when there is nothing to do, 2 when there are changes, 1 on error");
  plan->add_flag("--drift-exitcode", options.drift_exitcode,
                 "Exit 3 when the changes undo edits made outside cfsync since this configuration "
                 "was last applied in full (drift)");
  plan->add_flag("--retry-failed", options.retry_failed,
                 "Plan what `apply --retry-failed` does: upload again a dataset file whose last "
                 "upload failed processing");
  plan->add_flag("--dedupe", options.dedupe,
                 "Plan what `apply --dedupe` does: delete copies of a declared profile, keeping "
                 "the oldest");
  std::string plan_out;
  plan->add_option("-o,--out", plan_out,
                   "Also save the plan to FILE, with digests of the configuration and the live "
                   "state, for `cfsync apply FILE`")
      ->type_name("FILE");
  CLI::App* apply = app.add_subcommand("apply", "Make the account match the configuration");
  std::string plan_file;
  apply
      ->add_option("plan", plan_file,
                   "A plan saved by `cfsync plan --out`: applied only while the configuration "
                   "and the account still yield exactly it")
      ->type_name("PLAN_FILE")
      ->check(CLI::ExistingFile);
  apply->add_flag("--force", options.force,
                  "Apply even a plan that deletes or replaces more than the configuration's "
                  "safety limits allow");
  apply->add_flag("--wait", options.wait,
                  "Wait until uploaded documents are indexed; fail if one is not");
  apply->add_flag("--retry-failed", options.retry_failed,
                  "Upload again, unchanged, a dataset file whose last upload failed processing "
                  "(without it, such a file is a warning of the plan until it changes)");
  apply->add_flag("--dedupe", options.dedupe,
                  "Of live custom profiles that share a declared name and are alike in what the "
                  "configuration declares (made twice by two writers), keep the oldest and delete "
                  "the others, within the safety limits");
  double wait_timeout_ms = 600'000;
  add_duration(apply, "--wait-timeout", wait_timeout_ms,
               "How long apply waits for uploaded datasets to be processed (always) and, "
               "with --wait, for documents to be indexed, e.g. 10m",
               "10m");

  double shutdown_timeout_ms = 30'000;
  add_duration(apply, "--shutdown-timeout", shutdown_timeout_ms,
               "On SIGTERM or SIGINT, how long changes in flight may take to finish (none "
               "starts after the signal; a second one exits at once), e.g. 30s",
               "30s");
  double lock_timeout_ms = 0;
  add_duration(apply, "--lock-timeout", lock_timeout_ms,
               "How long to wait for another cfsync writing to the same account or state "
               "directory (a daemon, another apply), e.g. 2m",
               "0s");
  CLI::App* schema = app.add_subcommand(
      "schema",
      "Print a JSON Schema of the configuration file, for editors' YAML language servers");
  CLI::App* export_ = app.add_subcommand(
      "export",
      "Write the account's live DLP and AI Search state as a configuration that plans clean "
      "(to adopt an existing account)");
  std::string export_account;
  export_->add_option("--account", export_account, "The account to export (32 hex characters)")
      ->type_name("ID")
      ->envname("CLOUDFLARE_ACCOUNT_ID");
  std::string export_dir;
  export_
      ->add_option("--dir", export_dir,
                   "Write DIR/cfsync.yaml and the files it refers to (the payload-logging key, "
                   "documents) instead of printing the configuration; DIR must be empty or new")
      ->type_name("DIR");
  export_->add_flag("--with-documents", options.with_documents,
                    "Download every uploaded AI Search item into DIR/ai-search/NAMESPACE/INSTANCE/ "
                    "and declare them (needs --dir)");
  CLI::App* run = app.add_subcommand(
      "run",
      "Keep the account equal to the configuration: reconcile now, every --interval, and "
      "whenever the configuration changes");
  add_duration(run, "--lock-timeout", lock_timeout_ms,
               "How long each reconcile waits for another cfsync writing to the same account or "
               "state directory (a failed wait is retried like any failed reconcile), e.g. 2m",
               "0s");
  double interval_ms = 300'000;
  add_duration(run, "--interval", interval_ms,
               "Time between reconciles (±10% jitter); a changed configuration is applied at "
               "once, e.g. 5m",
               "5m");
  run->add_flag("--once", options.once, "Reconcile once and exit (for timers and cron)");
  std::string listen;
  run->add_option("--listen", listen,
                  "Serve /healthz, /readyz and /metrics (Prometheus) on ADDRESS:PORT, e.g. "
                  "127.0.0.1:9464")
      ->type_name("ADDRESS:PORT");
  add_duration(run, "--shutdown-timeout", shutdown_timeout_ms,
               "On SIGTERM, how long requests in flight may take to finish, e.g. 30s", "30s");
  run->add_flag("--wait", options.wait,
                "Wait until uploaded documents are indexed; a reconcile fails if one is not");
  add_duration(run, "--wait-timeout", wait_timeout_ms,
               "How long a reconcile waits for dataset processing and, with --wait, indexing",
               "10m");
  // Hidden (group ""): end-to-end tests shorten the 2 s debounce and the 5 s first retry
  // instead of sleeping through them.
  double debounce_ms = 2'000;
  CLI::Option* debounce = add_duration(run, "--debounce", debounce_ms, "", "2s")->group("");
  double first_retry_ms = 5'000;
  CLI::Option* first_retry =
      add_duration(run, "--first-retry", first_retry_ms, "", "5s")->group("");

  // Terraform's spelling, `plan -out FILE`, which CLI11 would read as `-o ut FILE`.
  std::vector<std::string> spelled;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    spelled.push_back(arg == "-out" || arg.starts_with("-out=") ? "-" + std::string(arg)
                                                                : std::string(arg));
  }
  std::vector<const char*> args;
  for (const std::string& arg : spelled) args.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help and --version are "errors" that exit 0
  }

  // Limits are checked here, once, in the units people type.
  struct Limit {
    const char* option;
    double milliseconds;
    double min;
    double max;
    const char* range;
  };
  for (const Limit& limit :
       {Limit{"--request-timeout", timeout_ms, 1, 600'000, "1ms and 10m"},
        Limit{"--wait-timeout", wait_timeout_ms, 1, 86'400'000, "1ms and 24h"},
        Limit{"--lock-timeout", lock_timeout_ms, 0, 86'400'000, "0s and 24h"},
        Limit{"--interval", interval_ms, 1000, 86'400'000, "1s and 24h"},
        Limit{"--shutdown-timeout", shutdown_timeout_ms, 0, 3'600'000, "0s and 1h"},
        Limit{"--debounce", debounce_ms, 0, 60'000, "0s and 1m"},
        Limit{"--first-retry", first_retry_ms, 1, 300'000, "1ms and 5m"}}) {
    if (limit.milliseconds < limit.min || limit.milliseconds > limit.max) {
      std::fprintf(stderr, "cfsync: %s must be between %s\n", limit.option, limit.range);
      return 1;
    }
  }
  if (max_response_bytes < 1024 || max_response_bytes > (std::uint64_t{1} << 32)) {
    std::fputs("cfsync: --max-response-bytes must be between 1KiB and 4GiB\n", stderr);
    return 1;
  }
  if (auto limit = api::parse_rate_limit(rate_limit)) {
    options.rate_limit = *limit;
  } else {
    std::fprintf(stderr, "cfsync: --rate-limit: %s\n", limit.error().message().c_str());
    return 1;
  }
  options.lock_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(lock_timeout_ms));
  options.interval = std::chrono::milliseconds(static_cast<std::int64_t>(interval_ms));
  options.shutdown_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(shutdown_timeout_ms));
  if (*debounce) {
    options.debounce = std::chrono::milliseconds(static_cast<std::int64_t>(debounce_ms));
  }
  if (*first_retry) {
    options.first_retry = std::chrono::milliseconds(static_cast<std::int64_t>(first_retry_ms));
  }
  if (!listen.empty()) options.listen = listen;
  if (!plan_out.empty()) options.plan_out = plan_out;
  if (!plan_file.empty()) options.plan_file = plan_file;
  if (apply_flag && (*validate || *plan || *run || *export_ || *schema)) {
    std::fprintf(stderr, "cfsync: --apply cannot be combined with the %s command\n",
                 *validate ? "validate"
                 : *run    ? "run"
                 : *plan   ? "plan"
                           : (*export_ ? "export" : "schema"));
    return 1;
  }
  if (*export_) {
    if (export_account.empty()) {
      std::fputs("cfsync: export: name the account with --account ID or CLOUDFLARE_ACCOUNT_ID\n",
                 stderr);
      return 1;
    }
    if (options.with_documents && export_dir.empty()) {
      std::fputs("cfsync: export: --with-documents writes files, so it needs --dir DIR\n", stderr);
      return 1;
    }
    options.export_account = export_account;
    if (!export_dir.empty()) options.export_dir = export_dir;
  }
  if (*schema) {
    options.command = Command::schema;
  } else if (*export_) {
    options.command = Command::export_;
  } else if (*run) {
    options.command = Command::run;
  } else if (*validate) {
    options.command = Command::validate;
  } else if (*apply || apply_flag) {
    options.command = Command::apply;
  } else if (*plan) {
    options.command = Command::plan;
  } else {
    std::fputs(app.help().c_str(), stderr);
    std::fputs("\ncfsync: name a command: validate, plan, apply, run, export or schema\n", stderr);
    return 1;
  }

  if (!config.empty()) options.config = config;
  if (!token_file.empty()) options.token_file = token_file;
  if (!ca_file.empty()) options.ca_file = ca_file;
  if (!state_dir.empty()) options.state_dir = state_dir;
  if (!lock_dir.empty()) options.lock_dir = lock_dir;
  options.wait_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(wait_timeout_ms));
  options.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_ms));
  options.max_response_bytes = static_cast<std::size_t>(max_response_bytes);
  options.output = output == "json" ? OutputFormat::json : OutputFormat::text;
  options.log_format = log_format == "json" ? LogFormat::json : LogFormat::text;
  options.color = !no_color;
  return options;
}

}  // namespace cfsync::daemon
