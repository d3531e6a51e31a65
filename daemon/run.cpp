#include "daemon/run.hpp"

#include "api/retry.hpp"
#include "daemon/git_source.hpp"
#include "daemon/http_listener.hpp"
#include "daemon/lock.hpp"
#include "daemon/metrics.hpp"
#include "daemon/notifier.hpp"
#include "daemon/pass_timer.hpp"
#include "daemon/printable.hpp"
#include "daemon/saved_plan.hpp"
#include "daemon/status.hpp"
#include "daemon/systemd.hpp"
#include "daemon/watch.hpp"
#include "daemon/webhook.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <thread>
#include <variant>

namespace cfsync::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// After a failed fetch, the first retry (doubled for each failure in a row); --first-retry, a
// hidden option for tests, shortens it as it does for passes.
constexpr std::chrono::milliseconds k_first_fetch_retry{5000};

std::string local_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::localtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

// The value of the `result` label of cfsync_reconcile_runs_total.
std::string_view metric_label(PassResult result) {
  switch (result) {
    case PassResult::success:
      return "success";
    case PassResult::failure:
      return "failure";
    case PassResult::config_error:
      return "config_error";
  }
  return "failure";
}

PassTiming timing_of(const Options& options) {
  PassTiming timing;
  timing.interval = options.interval;
  if (options.debounce) timing.debounce = *options.debounce;
  if (options.first_retry) timing.first_retry = *options.first_retry;
  return timing;
}

// What one reconcile came to.
struct Outcome {
  PassResult result = PassResult::failure;
  std::string summary;  // for STATUS= and /readyz
  std::size_t planned = 0;
  std::size_t applied = 0;
  std::size_t drift = 0;
  bool suspended = false;  // planned only: the configuration says `suspend: true`
};

// The configuration a pass enforces.
struct Enforced {
  config::Config config;
  std::string print;          // the last good configuration's desired_digest()
  bool config_error = false;  // the newest did not load: this is the last good one
};

class Daemon {
 public:
  Daemon(const Options& options, const Environment& environment,
         std::shared_ptr<spdlog::logger> logger, std::unique_ptr<GitSource> source,
         std::optional<std::string> webhook_secret)
      : m_options(options),
        m_environment(environment),
        m_logger(std::move(logger)),
        m_source(std::move(source)) {
    if (webhook_secret) m_webhook = std::make_unique<GitWebhook>(std::move(*webhook_secret));
  }

  int run();
  // A commit refused by signature verification: a revision_refused event to --notify. `reason`
  // is sent as it is: nothing secret in it. (Unused until the verification calls it.)
  void notify_refused(const std::string& revision, const std::string& reason);

 private:
  Result<void> start();
  int run_once();
  // The loop: passes on their own thread when the timer says, changes, signals. True when it
  // stopped while a pass ran.
  bool loop();
  void start_pass();
  void pass_ended(PassTimer& timer);
  void read_signals(PassTimer& timer);
  void log_settled(PassTimer::Settled settled, const PassTimer& timer,
                   const std::filesystem::path& changed);
  // After a stop signal: the pass in flight gets --shutdown-timeout.
  void shutdown(bool running);

  // One reconcile, on the calling thread: load (or keep the last good configuration), lock,
  // plan, apply.
  Outcome reconcile();
  // The configuration to enforce, or, when none ever loaded, the pass's outcome.
  std::variant<Enforced, Outcome> load();
  // What a pass that planned came to: the changes applied (and the drift) counted, the
  // configuration recorded as applied in full when everything went through.
  Outcome conclude(const Pass& pass, const Enforced& enforced,
                   const std::filesystem::path& state_dir);
  // Counts the changes applied into `outcome` and the metrics; false when one failed (or
  // waiting for processing did).
  bool count_applied(const Pass& pass, Outcome& outcome);
  void record(const Outcome& outcome, Clock::duration took);
  // --notify: the events a pass's outcome makes (see notify_outcome in run.cpp).
  void notify_outcome(const Outcome& outcome);
  HttpAnswer answer(const HttpRequest& request);
  // POST /hooks/git: a push makes the fetch thread fetch at once.
  HttpAnswer hook(const HttpRequest& request);
  // GET /status, and whether /readyz says ready (with why not). Under m_mutex.
  DaemonStatus status_locked() const;
  bool ready_locked(std::string& why) const;
  void watch_config(const config::Config& config);
  // Watches what the last good configuration reads, or, before one loaded, where it should be.
  // Under m_mutex.
  void watch_again();
  // --git-url: fetches every --git-interval, or at once after a webhook, on its own thread; a
  // new commit wakes the loop.
  void fetch_loop();
  // A fetch's result, for /status and the metrics.
  void note_fetch(const Result<Fetched>& fetched);
  // --git-url with verification: a fetched commit whose signature is not trusted (logged once
  // per commit, counted in cfsync_source_fetch_total{result="refused"}), and one that is.
  void source_refused(const Fetched& fetched);
  void accepted(const Fetched& fetched);
  void stop_fetching();
  // --git-url, at the start of a pass: the newest commit fetched is checked out and enforced.
  void switch_revision();

  const Options& m_options;
  const Environment& m_environment;
  std::shared_ptr<spdlog::logger> m_logger;
  Metrics m_metrics;
  std::unique_ptr<api::Transport> m_transport;
  std::unique_ptr<api::Client> m_client;
  std::unique_ptr<HttpListener> m_listener;
  std::unique_ptr<Notifier> m_notifier;  // --notify
  std::string m_notified_config_error;   // the configuration error last notified, on its thread
  std::optional<ConfigWatcher> m_watcher;
  std::unique_ptr<GitSource> m_source;
  std::unique_ptr<GitWebhook> m_webhook;  // --git-url with --listen and a webhook secret
  std::thread m_fetcher;
  int m_fetched_fd = -1;  // an eventfd the fetch thread writes when a new commit is fetched
  std::condition_variable m_fetch_wake;
  std::atomic<bool> m_stop{false};
  std::mt19937_64 m_random{std::random_device{}()};
  int m_signal_fd = -1;
  int m_done_fd = -1;  // an eventfd the reconcile thread writes when its pass ends
  std::thread m_worker;
  bool m_reloading = false;  // SIGHUP: READY=1 once the pass running ends

  // Shared with the listener's thread and the reconcile thread.
  std::mutex m_mutex;
  std::optional<config::Config> m_last_good;
  std::string m_last_good_print;  // its desired_digest(), taken when it was loaded
  std::string m_config_error;     // the newest configuration's problem, or ""
  std::optional<Clock::time_point> m_last_success;
  bool m_last_failed = false;  // the last pass failed: not ready until one succeeds
  std::string m_last_summary = "starting";
  bool m_ready_sent = false;
  std::optional<std::filesystem::path> m_watch_again;  // set by a reconcile that loaded a config
  Outcome m_pending;                                   // the last reconcile's, for the loop
  std::optional<Revision> m_fetched;                   // the newest commit fetched
  std::optional<Revision> m_enforced;                  // the one checked out and enforced
  std::optional<std::string> m_last_good_commit;       // whose checkout m_last_good reads
  bool m_fetch_now = false;                            // a webhook asked for a fetch
  // For GET /status.
  std::optional<DaemonStatus::Source> m_fetch_status;
  std::optional<DaemonStatus::Pass> m_last_pass;
  std::optional<DaemonStatus::Time> m_next_pass;  // none while a pass runs
  bool m_running = false;
  std::string m_last_error;
  bool m_suspended = false;
  std::optional<std::string> m_last_refused;  // the last commit refused (the fetch thread's)
};

Result<void> Daemon::start() {
  CFSYNC_TRY(m_transport, open_transport(m_options, m_environment, m_logger));
  std::optional<std::filesystem::path> credentials;
  if (m_environment.credentials_directory) credentials = *m_environment.credentials_directory;
  CFSYNC_TRY(std::vector<NotifyTarget> targets, notify_targets(m_options.notify, credentials));
  if (!targets.empty()) {
    std::string origins;  // never a path: a webhook's may be its secret
    for (const NotifyTarget& target : targets) {
      origins += (origins.empty() ? "" : ", ") + target.origin;
    }
    m_logger->info("notifying {} ({})", origins,
                   m_options.notify_format == NotifyFormat::slack ? "slack" : "json");
    m_metrics.notifications_on();
    CFSYNC_TRY(m_notifier, Notifier::start({.targets = std::move(targets),
                                            .format = m_options.notify_format,
                                            .ca_file = m_options.ca_file,
                                            .user_agent = "cfsync/" + std::string(k_version)},
                                           m_logger, [this](Delivery delivery) {
                                             m_metrics.notification(to_string(delivery));
                                           }));
  }
  m_client = make_client(*m_transport, m_options, m_logger);
  m_client->observe([this](api::Method method, int status) {
    m_metrics.api_request(api::to_string(method), status);
  });
  if (m_options.listen) {
    std::vector<HttpPostPath> post_paths;
    if (m_source) post_paths.push_back({"/hooks/git", k_webhook_max_body_bytes});
    CFSYNC_TRY(m_listener, HttpListener::start(
                               *m_options.listen,
                               [this](const HttpRequest& request) { return answer(request); },
                               m_logger, std::move(post_paths)));
    m_logger->info("serving /healthz, /readyz, /status and /metrics{} on {} (port {})",
                   m_webhook ? ", and POST /hooks/git," : "", *m_options.listen,
                   m_listener->port());
  }
  if (m_source) {
    // The checkout changes only when the loop says: no directory to watch.
    auto fetched = m_source->fetch();
    note_fetch(fetched);
    if (fetched && !fetched->refused) {
      accepted(*fetched);
      m_logger->info("fetched {}{}", fetched->revision.text(),
                     fetched->signer.empty() ? "" : ", signed by " + fetched->signer);
      m_fetched = fetched->revision;
    } else {
      // Refused or failed: the revision checked out by an earlier run, if it is still there
      // (and, with verification on, still trusted: the files it is verified with may have
      // changed since).
      std::optional<Revision> last = m_source->checked_out();
      if (last && m_source->verifies()) {
        CFSYNC_TRY(const Verdict verdict, m_source->verify(last->sha));
        if (!verdict.trusted) {
          m_logger->error("the revision checked out before, {}, is not trusted: {}", last->text(),
                          verdict.why);
          last.reset();
        }
      }
      m_fetched = last;
      if (fetched) {
        source_refused(*fetched);
        if (!last) {
          return Error(ErrorKind::usage, "refused " + fetched->revision.text() + ": " +
                                             *fetched->refused +
                                             "; no verified revision checked out before to "
                                             "enforce instead");
        }
      } else {
        if (!last) return fetched.error();
        m_logger->error("{}; enforcing the revision checked out before, {}",
                        fetched.error().describe(), last->text());
      }
    }
    m_fetched_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_fetcher = std::thread([this] { fetch_loop(); });
    return {};
  }
  auto watcher = ConfigWatcher::open();
  if (watcher) {
    m_watcher.emplace(std::move(*watcher));
    // Watched from the start, not from the end of the first pass: a change made during it (a
    // checkout flipped) is seen.
    m_watcher->watch(WatchSet::of(m_options.config.value_or(std::filesystem::current_path()),
                                  nullptr, m_options.state_dir.value_or(std::filesystem::path())));
  } else {
    // Changes are then seen at the next interval only.
    m_logger->warn("{}", watcher.error().message());
  }
  return {};
}

HttpAnswer Daemon::answer(const HttpRequest& request) {
  const std::string_view path = request.path;
  if (path == "/hooks/git") return hook(request);
  if (path == "/healthz") return {.body = "ok\n"};
  if (path == "/metrics") {
    return {.content_type = std::string(k_exposition_content_type), .body = m_metrics.exposition()};
  }
  if (path == "/readyz") {
    std::lock_guard lock(m_mutex);
    const std::string revision =
        m_enforced ? "revision: " + m_enforced->text() + "\n" : std::string();
    // The enforced revision stays in force after a failed or refused fetch: said, not unready.
    const std::string source = m_fetch_status && !m_fetch_status->last_fetch_error.empty()
                                   ? "source: the last fetch " + m_fetch_status->last_fetch_result +
                                         ": " + m_fetch_status->last_fetch_error + "\n"
                                   : std::string();
    std::string why;
    if (ready_locked(why)) return {.body = "ready: " + m_last_summary + "\n" + revision + source};
    return {.status = 503, .body = why + revision + source};
  }
  if (path == "/status") {
    std::lock_guard lock(m_mutex);
    return {.content_type = "application/json", .body = status_json(status_locked())};
  }
  return {.status = 404, .body = "not found\n"};
}

bool Daemon::ready_locked(std::string& why) const {
  const auto limit = 2 * m_options.interval;
  const bool recent = m_last_success && Clock::now() - *m_last_success <= limit;
  if (recent && !m_last_failed && m_config_error.empty()) return true;
  why = m_config_error.empty() ? "" : "configuration error: " + m_config_error + "\n";
  if (m_last_failed) {
    why += "the last reconcile failed: " + m_last_summary + "\n";
  } else if (!recent) {
    why += "no successful reconcile in the last two intervals: " + m_last_summary + "\n";
  }
  return false;
}

DaemonStatus Daemon::status_locked() const {
  DaemonStatus status;
  if (m_enforced) status.revision = m_enforced->text();
  status.source = m_fetch_status;
  status.last_pass = m_last_pass;
  status.running = m_running;
  status.next_pass = m_next_pass;
  status.last_error = m_last_error;
  status.config_error = m_config_error;
  status.suspended = m_suspended;
  std::string why;
  status.ready = ready_locked(why);
  return status;
}

HttpAnswer Daemon::hook(const HttpRequest& request) {
  if (!m_webhook) {
    m_metrics.webhook_request(404);
    return {.status = 404,
            .body =
                "the push webhook is off: start cfsync run with --webhook-secret-file (or "
                "the credential webhook-secret)\n"};
  }
  std::string followed;
  {
    std::lock_guard lock(m_mutex);
    if (m_options.git_ref) {
      followed = *m_options.git_ref;
    } else if (m_fetched) {
      followed = m_fetched->ref;
    }
  }
  WebhookVerdict verdict = m_webhook->handle(request, followed, GitWebhook::Clock::now());
  m_metrics.webhook_request(verdict.answer.status);
  const bool refused = verdict.answer.status >= 400;
  m_logger->log(refused ? spdlog::level::warn : spdlog::level::info, "webhook from {}: {}",
                request.peer, verdict.why);
  if (verdict.fetch) {
    {
      std::lock_guard lock(m_mutex);
      m_fetch_now = true;
    }
    m_fetch_wake.notify_all();
  }
  return std::move(verdict.answer);
}

void Daemon::watch_config(const config::Config& config) {
  if (!m_watcher) return;
  const std::filesystem::path path = m_options.config ? *m_options.config : config.root;
  m_watcher->watch(
      WatchSet::of(path, &config, state_dir_of(m_options, m_environment, config.root)));
}

void Daemon::watch_again() {
  const bool loaded = std::exchange(m_watch_again, std::nullopt).has_value();
  if (loaded && m_last_good) {
    watch_config(*m_last_good);
  } else if (!m_last_good && m_watcher) {
    // Nothing loaded yet: watch where the configuration should be, to see it fixed.
    m_watcher->watch(WatchSet::of(m_options.config.value_or(std::filesystem::current_path()),
                                  nullptr, m_options.state_dir.value_or(std::filesystem::path())));
  }
}

std::variant<Enforced, Outcome> Daemon::load() {
  // --git-url: the checkout `current` points at, by its own path, so that the configuration's
  // files stay those of its commit when `current` moves on.
  Options options = m_options;
  if (m_source) {
    std::error_code ec;
    options.config = std::filesystem::canonical(*m_options.config, ec);
    if (ec) options.config = m_options.config;
  }
  auto loaded = load_config(options, m_environment, *m_logger);
  if (!m_source && options.config) {
    // Directory mode: the revision of a git checkout, when it is one.
    const std::optional<Revision> revision = revision_of_checkout(*options.config);
    if (revision) m_metrics.source_revision(revision->text());
    std::lock_guard lock(m_mutex);
    m_enforced = revision;
  }
  // A file that was read to load the configuration and cannot be read again to digest it.
  Result<std::string> print = loaded ? desired_digest(*loaded) : Result<std::string>(std::string());
  if (!print) loaded = print.error();
  Enforced enforced;
  {
    std::lock_guard lock(m_mutex);
    if (loaded) {
      m_config_error.clear();
      if (m_enforced) m_last_good_commit = m_enforced->sha;
      m_last_good = *loaded;
      m_last_good_print = std::move(*print);
      enforced.config = std::move(*loaded);
    } else {
      enforced.config_error = true;
      // Shown on the unauthenticated /readyz and in STATUS=: each problem's place and kind, never
      // what the configuration says there (a key pasted into the wrong field). The log has all.
      m_config_error = loaded.error().describe();
      for (const std::string& line : loaded.error().redacted_details) m_config_error += "; " + line;
      if (!m_last_good) {
        return Outcome{PassResult::config_error, "configuration error: " + m_config_error};
      }
      enforced.config = *m_last_good;
    }
    enforced.print = m_last_good_print;
  }
  if (enforced.config_error) {
    m_logger->error("configuration error; enforcing the last good configuration: {}",
                    loaded.error().describe());
    for (const std::string& line : loaded.error().details) m_logger->error("{}", line);
    m_metrics.config_load_error();
  }
  m_metrics.config_valid(!enforced.config_error);
  m_metrics.suspended(enforced.config.desired.suspended);
  {
    std::lock_guard lock(m_mutex);
    m_suspended = enforced.config.desired.suspended;
  }
  bool send_ready = false;
  if (!enforced.config_error) {
    std::lock_guard lock(m_mutex);
    m_watch_again = enforced.config.root;
    send_ready = !std::exchange(m_ready_sent, true);
  }
  // Ready once a configuration loaded: the first apply may take long (a large dataset).
  if (send_ready) systemd::notify("READY=1");
  return enforced;
}

void Daemon::switch_revision() {
  std::optional<Revision> wanted;
  {
    std::lock_guard lock(m_mutex);
    wanted = m_fetched;
  }
  if (!wanted) return;
  std::optional<std::string> keep;
  {
    std::lock_guard lock(m_mutex);
    keep = m_last_good_commit;
  }
  if (auto switched = m_source->switch_to(*wanted, keep); !switched) {
    m_logger->error("{}; enforcing the revision checked out before", switched.error().describe());
  }
  const std::optional<Revision> enforced = m_source->checked_out();
  if (enforced) m_metrics.source_revision(enforced->text());
  std::lock_guard lock(m_mutex);
  m_enforced = enforced;
}

void Daemon::fetch_loop() {
  // A failed fetch is tried again sooner than the interval, backing off: as a failed pass is
  // (5 s, 10 s, 20 s, … up to --git-interval).
  const api::RetryPolicy retry{.base = m_options.first_retry.value_or(k_first_fetch_retry),
                               .cap = m_options.git_interval};
  int failures = 0;
  for (;;) {
    const std::chrono::milliseconds wait =
        failures == 0 ? m_options.git_interval : api::backoff(retry, failures - 1, 1.0);
    {
      std::unique_lock lock(m_mutex);
      m_fetch_wake.wait_for(lock, wait, [this] { return m_stop.load() || m_fetch_now; });
      if (m_stop) return;
      m_fetch_now = false;
    }
    auto fetched = m_source->fetch();
    note_fetch(fetched);
    if (!fetched) {
      // The revision checked out stays enforced.
      ++failures;
      m_logger->error("{}; fetching again in {} ms", fetched.error().describe(),
                      api::backoff(retry, failures - 1, 1.0).count());
      continue;
    }
    failures = 0;
    if (fetched->refused) {
      // Not signed by a trusted key: never checked out; the revision enforced stays.
      source_refused(*fetched);
      continue;
    }
    accepted(*fetched);
    bool changed = false;
    {
      std::lock_guard lock(m_mutex);
      changed = m_fetched != fetched->revision;
      m_fetched = fetched->revision;
    }
    if (!changed) continue;
    m_logger->info("fetched {}{}", fetched->revision.text(),
                   fetched->signer.empty() ? "" : ", signed by " + fetched->signer);
    const std::uint64_t one = 1;
    (void)!::write(m_fetched_fd, &one, sizeof one);
  }
}

void Daemon::note_fetch(const Result<Fetched>& fetched) {
  const auto now = std::chrono::system_clock::now();
  const bool refused = fetched && fetched->refused;
  m_metrics.source_fetch_result(!fetched ? "failure" : refused ? "refused" : "success", now);
  std::lock_guard lock(m_mutex);
  DaemonStatus::Source& source = m_fetch_status.emplace();
  source.ref = m_options.git_ref.value_or(fetched ? fetched->revision.ref : std::string());
  if (fetched && !refused) {
    source.fetched = fetched->revision.text();
  } else if (m_fetched) {
    source.fetched = m_fetched->text();
    if (source.ref.empty()) source.ref = m_fetched->ref;
  }
  source.last_fetch = now;
  source.last_fetch_result = !fetched ? "failure" : refused ? "refused" : "success";
  if (!fetched) {
    source.last_fetch_error = fetched.error().describe();
  } else if (refused) {
    source.last_fetch_error = "refused " + fetched->revision.text() + ": " + *fetched->refused;
  }
}

// A refused revision: the one place it is handled. Counted at each fetch that finds it (by
// note_fetch); said once per commit (the next fetches find the same one until another is pushed).
void Daemon::source_refused(const Fetched& fetched) {
  if (m_last_refused == fetched.revision.sha) return;
  m_last_refused = fetched.revision.sha;
  std::optional<Revision> enforced;
  {
    std::lock_guard lock(m_mutex);
    enforced = m_fetched;
  }
  m_logger->error("refused {}: {}; {}", fetched.revision.text(), *fetched.refused,
                  enforced ? "enforcing " + enforced->text() + " still" : "nothing to enforce");
  notify_refused(fetched.revision.text(), *fetched.refused);
}

void Daemon::accepted(const Fetched& /*fetched*/) { m_last_refused.reset(); }

void Daemon::stop_fetching() {
  if (!m_fetcher.joinable()) return;
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_fetch_wake.notify_all();
  m_fetcher.join();
}

Outcome Daemon::reconcile() {
  spdlog::logger& log = *m_logger;
  if (m_source) switch_revision();
  // load: a configuration that does not load is reported and the last good one is enforced.
  auto loaded = load();
  if (const Outcome* outcome = std::get_if<Outcome>(&loaded)) return *outcome;
  Enforced& enforced = std::get<Enforced>(loaded);
  DesiredState& desired = enforced.config.desired;
  const std::filesystem::path state_dir =
      state_dir_of(m_options, m_environment, enforced.config.root);
  // lock: only while this pass may write, so that an `apply` can run between passes.
  auto locked = WriterLock::acquire(lock_dir_of(m_options, m_environment), desired.account_id,
                                    state_dir, m_options.lock_timeout);
  if (!locked) {
    log.error("{}", locked.error().message());
    return {PassResult::failure, locked.error().message()};
  }
  if (auto claimed = claim_state_dir(state_dir, desired.account_id); !claimed) {
    log.error("{}", claimed.error().message());
    return {PassResult::failure, claimed.error().message()};
  }

  // Drift: changes planned against the very configuration last applied in full are live edits
  // made elsewhere. (With a new configuration, its changes and drift are not told apart.)
  const bool drift = last_applied(state_dir, desired.account_id) == enforced.print;
  auto pass = reconcile_pass(
      desired, state_dir, *m_client, m_options, drift, [](const Pass&) { return true; }, &m_stop,
      m_logger);
  if (!pass) {
    log.error("reconcile failed: {}", pass.error().describe());
    for (const std::string& line : pass.error().details) log.error("{}", line);
    if (pass.error().kind() == ErrorKind::state) m_metrics.state_write_error();
    return {PassResult::failure, pass.error().describe()};
  }
  return conclude(*pass, enforced, state_dir);
}

bool Daemon::count_applied(const Pass& pass, Outcome& outcome) {
  bool ok = pass.waited;
  for (std::size_t i = 0; pass.report && i < pass.report->outcomes.size(); ++i) {
    const api::ChangeOutcome& change_outcome = pass.report->outcomes[i];
    if (change_outcome.error) {
      ok = false;
      continue;
    }
    const Change& change = pass.plan.changes.at(i);
    ++outcome.applied;
    m_metrics.change_applied(to_string(change.kind), to_string(change.action));
    if (change.origin == Origin::drift) {
      ++outcome.drift;
      m_metrics.drift_corrected(to_string(change.kind));
    }
  }
  if (pass.report && !pass.report->ok()) ok = false;
  return ok;
}

Outcome Daemon::conclude(const Pass& pass, const Enforced& enforced,
                         const std::filesystem::path& state_dir) {
  spdlog::logger& log = *m_logger;
  const Plan& plan = pass.plan;
  Outcome outcome;
  outcome.planned = plan.changes.size();
  for (const std::string& warning : plan.warnings) log.warn("{}", warning);
  const auto planned_drift = static_cast<std::size_t>(
      std::count_if(plan.changes.begin(), plan.changes.end(),
                    [](const Change& change) { return change.origin == Origin::drift; }));
  if (enforced.config.desired.suspended) {
    // Planned and reported, nothing written, nothing recorded as applied.
    outcome.suspended = true;
    outcome.drift = planned_drift;
    m_metrics.pending_changes(outcome.planned - planned_drift, planned_drift);
    if (planned_drift > 0) {
      log.warn("suspended: {} change(s) made outside cfsync (drift) are left as they are",
               planned_drift);
    }
    for (const Change& change : plan.changes) {
      log.info("suspended, not applied: {} {} {}", to_string(change.action), to_string(change.kind),
               printable(change.name));
    }
    outcome.result = enforced.config_error ? PassResult::config_error : PassResult::success;
    outcome.summary =
        "suspended: " + std::to_string(outcome.planned) + " change(s) planned, none applied" +
        (planned_drift > 0 ? ", " + std::to_string(planned_drift) + " drift" : std::string());
    return outcome;
  }
  bool ok = count_applied(pass, outcome);
  m_metrics.pending_changes(outcome.planned - planned_drift - (outcome.applied - outcome.drift),
                            planned_drift - outcome.drift);
  bool state_failed = !pass.state_errors.empty();  // each was logged as it happened
  if (ok && !state_failed) {
    std::string revision;
    {
      std::lock_guard lock(m_mutex);
      if (m_enforced) revision = m_enforced->text();
    }
    if (auto recorded =
            record_applied(state_dir, enforced.config.desired.account_id, enforced.print, revision);
        !recorded) {
      log.error("{}", recorded.error().message());
      state_failed = true;
    }
  }
  if (state_failed) {
    // Applied, perhaps, but not remembered: the next pass cannot trust what it would read.
    ok = false;
    m_metrics.state_write_error();
  }
  if (outcome.drift > 0) {
    log.warn("corrected {} change(s) made outside cfsync (drift)", outcome.drift);
  }
  const std::string counts =
      std::to_string(plan.changes.size()) + " change(s) planned, " +
      std::to_string(outcome.applied) + " applied" +
      (outcome.drift > 0 ? ", " + std::to_string(outcome.drift) + " drift" : std::string());
  if (enforced.config_error) {
    outcome.result = PassResult::config_error;
    outcome.summary = "configuration error (last good one enforced: " + counts + ")";
  } else {
    outcome.result = ok ? PassResult::success : PassResult::failure;
    outcome.summary = (ok ? "in sync: " : "failed: ") + counts;
    std::lock_guard lock(m_mutex);
    if (ok && m_enforced) m_metrics.applied_revision(m_enforced->text());
  }
  return outcome;
}

void Daemon::record(const Outcome& outcome, Clock::duration took) {
  m_metrics.reconcile_finished(metric_label(outcome.result), took);
  const api::ClientStats stats = m_client->stats();
  m_metrics.client_totals(stats.retries, stats.rate_limited, stats.budget_left);
  std::string summary = outcome.summary + " at " + local_time_now();
  {
    std::lock_guard lock(m_mutex);
    if (m_enforced) summary += " (" + m_enforced->text() + ")";
  }
  const bool success = outcome.result == PassResult::success;
  {
    std::lock_guard lock(m_mutex);
    m_last_summary = summary;
    m_last_failed = outcome.result == PassResult::failure;
    const auto finished = std::chrono::system_clock::now();
    m_last_pass = DaemonStatus::Pass{
        .started = finished - std::chrono::duration_cast<std::chrono::system_clock::duration>(took),
        .finished = finished,
        .result = std::string(metric_label(outcome.result)),
        .summary = outcome.summary,
        .planned = outcome.planned,
        .applied = outcome.applied,
        .drift = outcome.drift,
        .suspended = outcome.suspended};
    m_running = false;
    if (outcome.result == PassResult::failure) {
      m_last_error = outcome.summary;
    } else if (outcome.result == PassResult::config_error) {
      m_last_error = "configuration error: " + m_config_error;
    }
    if (success) {
      m_last_success = Clock::now();
      m_metrics.last_success(std::chrono::system_clock::now());
    }
  }
  m_logger->log(success ? spdlog::level::info : spdlog::level::err, "reconcile: {}", summary);
  systemd::notify("STATUS=" + summary);
  notify_outcome(outcome);
}

// One event per pass that changed something: drift_corrected when it corrected drift (its
// changes are then all drift: a pass tells drift from other changes only under the configuration
// last applied in full), else applied; pass_failed for a failed pass. A configuration error is
// notified when its text changes (not at every pass that enforces the last good configuration),
// besides what that pass applied.
void Daemon::notify_outcome(const Outcome& outcome) {
  if (!m_notifier) return;
  Event event{.time = std::chrono::system_clock::now(),
              .summary = outcome.summary,
              .changes = outcome.applied,
              .drift = outcome.drift};
  std::string config_error;
  {
    std::lock_guard lock(m_mutex);
    if (m_last_good) event.account = m_last_good->desired.account_id;
    if (m_enforced) event.revision = m_enforced->text();
    config_error = m_config_error;  // redacted, as /readyz shows it
  }
  if (outcome.result == PassResult::config_error && config_error != m_notified_config_error) {
    Event error = event;
    error.kind = EventKind::config_error;
    error.error = config_error;
    m_notifier->notify(std::move(error));
  }
  m_notified_config_error = config_error;  // "" once a configuration loads again
  if (outcome.result == PassResult::failure) {
    event.kind = EventKind::pass_failed;
    event.error = outcome.summary;
  } else if (outcome.drift > 0) {
    event.kind = EventKind::drift_corrected;
  } else if (outcome.applied > 0) {
    event.kind = EventKind::applied;
  } else {
    return;
  }
  m_notifier->notify(std::move(event));
}

void Daemon::notify_refused(const std::string& revision, const std::string& reason) {
  if (!m_notifier) return;
  Event event{.kind = EventKind::revision_refused,
              .time = std::chrono::system_clock::now(),
              .revision = revision,
              .summary = "revision " + revision + " refused: " + reason,
              .error = reason};
  {
    std::lock_guard lock(m_mutex);
    if (m_last_good) event.account = m_last_good->desired.account_id;
  }
  m_notifier->notify(std::move(event));
}

int Daemon::run() {
  // Signals arrive through a signalfd: blocked here, before any thread starts, so that every
  // thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  m_signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  m_done_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  if (auto started = start(); !started) {
    m_logger->error("{}", started.error().describe());
    return 1;
  }
  if (m_options.once) {
    const int code = run_once();
    stop_fetching();
    return code;
  }
  const bool running = loop();
  stop_fetching();
  shutdown(running);
  return 0;
}

int Daemon::run_once() {
  const auto began = Clock::now();
  const Outcome outcome = reconcile();
  record(outcome, Clock::now() - began);
  return outcome.result == PassResult::success ? 0 : 1;
}

bool Daemon::loop() {
  PassTimer timer(timing_of(m_options), Clock::now());  // reconcile at start
  std::filesystem::path changed;                        // the file whose change is pending
  const auto watchdog = systemd::watchdog_interval();
  Clock::time_point next_ping = Clock::now();
  for (;;) {
    if (timer.start(Clock::now())) start_pass();
    if (!timer.running() && timer.due() != Clock::time_point::max()) {
      // For /status: the steady clock's moment on the wall clock.
      const auto due = std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           timer.due() - Clock::now());
      std::lock_guard lock(m_mutex);
      m_next_pass = due;
    }
    Clock::time_point wake = timer.wake();
    if (watchdog) wake = std::min(wake, next_ping);
    const Clock::time_point now = Clock::now();
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::min(wake, now + 1min) - now);
    pollfd fds[4] = {{m_signal_fd, POLLIN, 0},
                     {m_done_fd, POLLIN, 0},
                     {m_watcher ? m_watcher->fd() : -1, POLLIN, 0},
                     {m_fetched_fd, POLLIN, 0}};
    ::poll(fds, 4, static_cast<int>(std::max<std::int64_t>(wait_ms.count(), 0)));

    if (watchdog && Clock::now() >= next_ping) {
      systemd::notify("WATCHDOG=1");
      next_ping = Clock::now() + *watchdog;
    }
    if ((fds[2].revents & POLLIN) != 0) {
      if (auto path = m_watcher->drain()) {
        timer.changed(Clock::now());
        changed = *path;
      }
    }
    if ((fds[3].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      (void)!::read(m_fetched_fd, &count, sizeof count);
      timer.arrived(Clock::now());
      changed = "a new commit of " + *m_options.git_url;
    }
    log_settled(timer.settle(Clock::now()), timer, changed);
    if ((fds[1].revents & POLLIN) != 0) pass_ended(timer);
    if ((fds[0].revents & POLLIN) != 0) read_signals(timer);
    if (m_stop) return timer.running();
  }
}

void Daemon::start_pass() {
  {
    std::lock_guard lock(m_mutex);
    m_running = true;
    m_next_pass.reset();
  }
  m_worker = std::thread([this] {
    const Clock::time_point started = Clock::now();
    const Outcome outcome = reconcile();
    record(outcome, Clock::now() - started);
    std::lock_guard lock(m_mutex);
    m_pending = outcome;
    const std::uint64_t one = 1;
    (void)!::write(m_done_fd, &one, sizeof one);
  });
}

void Daemon::pass_ended(PassTimer& timer) {
  std::uint64_t count = 0;
  (void)!::read(m_done_fd, &count, sizeof count);
  m_worker.join();
  Outcome outcome;
  {
    std::lock_guard lock(m_mutex);
    outcome = m_pending;
    watch_again();
  }
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
  timer.finished(Clock::now(), outcome.result, outcome.planned, unit);
  if (m_reloading) {
    m_reloading = false;
    systemd::notify("READY=1");
  }
}

void Daemon::log_settled(PassTimer::Settled settled, const PassTimer& timer,
                         const std::filesystem::path& changed) {
  if (settled == PassTimer::Settled::start) {
    m_logger->info("the configuration changed ({}); reconciling", changed.string());
  } else if (settled == PassTimer::Settled::limited) {
    m_logger->warn(
        "the last {} passes started by a change found nothing to apply, and {} keeps "
        "changing: until a pass applies something, passes for changes run at most once a "
        "minute",
        timer.empty_in_a_row(), changed.string());
  }
}

void Daemon::read_signals(PassTimer& timer) {
  signalfd_siginfo info{};
  while (::read(m_signal_fd, &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGHUP) {
      m_logger->info("SIGHUP: reloading the configuration and reconciling");
      systemd::notify("RELOADING=1");
      m_reloading = true;
      timer.reload(Clock::now());
    } else {
      m_stop = true;
    }
  }
}

void Daemon::shutdown(bool running) {
  systemd::notify("STOPPING=1");
  if (running) {
    m_logger->info("stopping: no new change starts; waiting up to {} ms for those in flight",
                   m_options.shutdown_timeout.count());
    const auto deadline = Clock::now() + m_options.shutdown_timeout;
    pollfd done{m_done_fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&done, 1, static_cast<int>(std::max<std::int64_t>(0, left))) <= 0) {
      m_logger->warn("requests still in flight after --shutdown-timeout; exiting without them");
      m_logger->flush();
      std::_Exit(0);
    }
    m_worker.join();
  }
  m_logger->info("stopped");
}

}  // namespace

namespace {

// A systemd credential (LoadCredential=): $CREDENTIALS_DIRECTORY/NAME. An empty one counts as
// none: the unit gives optional credentials an empty default with SetCredential=, since a
// LoadCredential= whose file is missing fails the start.
std::optional<std::filesystem::path> credential(const char* name) {
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
  if (directory == nullptr || *directory == '\0') return std::nullopt;
  const std::filesystem::path file = std::filesystem::path(directory) / name;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec || size == 0) return std::nullopt;
  return file;
}

// --git-url: where the clone and checkouts live, and the options `run` then has: -c is the
// configuration in the checkout.
Result<std::unique_ptr<GitSource>> open_source(Options& options, const Environment& environment) {
  if (options.config) {
    return Error(ErrorKind::usage,
                 "--git-url: the configuration is in the repository; name where with --git-path, "
                 "not -c");
  }
  if (!options.state_dir &&
      (!environment.state_directory || environment.state_directory->empty())) {
    return Error(ErrorKind::usage,
                 "--git-url: name the state directory (--state-dir, or systemd's "
                 "StateDirectory=): the clone lives there");
  }
  const std::filesystem::path state_dir = state_dir_of(options, environment, {});
  options.state_dir = state_dir;
  GitSourceOptions source{.url = *options.git_url,
                          .ref = options.git_ref,
                          .path = options.git_path.value_or(std::filesystem::path()),
                          .dir = state_dir / "git"};
  const std::optional<std::filesystem::path> token_file =
      options.git_token_file ? options.git_token_file : credential("git-token");
  if (token_file) {
    std::ifstream in(*token_file);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      return Error(ErrorKind::usage,
                   "--git-token-file: cannot read a token from " + token_file->string());
    }
    source.token = std::move(token);
  }
  // ssh: the key's path is handed to libgit2, which reads it (and never logs it). The host keys:
  // the option, the credential, else the user's own known_hosts.
  source.ssh_key = options.git_ssh_key_file ? options.git_ssh_key_file : credential("git-ssh-key");
  source.known_hosts =
      options.git_known_hosts ? options.git_known_hosts : credential("git-known-hosts");
  if (const char* home = std::getenv("HOME"); !source.known_hosts && home != nullptr && *home) {
    const std::filesystem::path own = std::filesystem::path(home) / ".ssh" / "known_hosts";
    std::error_code ec;
    if (std::filesystem::is_regular_file(own, ec)) source.known_hosts = own;
  }
  // Verification: the files are read at each check, so that a key added is trusted without a
  // restart.
  source.trust.allowed_signers = options.git_verify_allowed_signers;
  source.trust.gpg_keyring = options.git_verify_gpg_keyring;
  CFSYNC_TRY(std::unique_ptr<GitSource> opened, GitSource::open(std::move(source)));
  options.config = opened->config_path();
  return opened;
}

// The secret POST /hooks/git's requests are signed with: --webhook-secret-file, else the systemd
// credential webhook-secret. The webhook only fetches --git-url, and is served on --listen.
Result<std::optional<std::string>> webhook_secret(const Options& options) {
  const bool named = options.webhook_secret_file.has_value();
  const std::optional<std::filesystem::path> file =
      named ? options.webhook_secret_file : credential("webhook-secret");
  if (!file) return std::optional<std::string>();
  if (!options.git_url || !options.listen) {
    if (!named) return std::optional<std::string>();  // a credential the unit gives every mode
    return Error(ErrorKind::usage, !options.git_url
                                       ? "--webhook-secret-file: the push webhook makes "
                                         "--git-url fetch at once; give --git-url too"
                                       : "--webhook-secret-file: POST /hooks/git is served on "
                                         "--listen; give --listen too");
  }
  std::ifstream in(*file);
  std::string secret;
  if (!in || !std::getline(in, secret) || secret.empty()) {
    return Error(ErrorKind::usage,
                 "--webhook-secret-file: cannot read a secret from " + file->string());
  }
  return std::optional<std::string>(std::move(secret));
}

}  // namespace

int run_daemon(const Options& options, const Environment& environment,
               const std::shared_ptr<spdlog::logger>& logger) {
  Options effective = options;
  std::unique_ptr<GitSource> source;
  auto secret = webhook_secret(options);
  if (!secret) {
    logger->error("{}", secret.error().describe());
    return 1;
  }
  if (options.git_url) {
    auto opened = open_source(effective, environment);
    if (!opened) {
      logger->error("{}", opened.error().describe());
      return 1;
    }
    source = std::move(*opened);
  }
  Daemon daemon(effective, environment, logger, std::move(source), std::move(*secret));
  return daemon.run();
}

}  // namespace cfsync::daemon
