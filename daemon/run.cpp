#include "daemon/run.hpp"

#include "daemon/http_listener.hpp"
#include "daemon/lock.hpp"
#include "daemon/metrics.hpp"
#include "daemon/saved_plan.hpp"
#include "daemon/systemd.hpp"
#include "daemon/watch.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace cfsync::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Edits come in bursts (a checkout writes many files): wait for this much quiet.
constexpr auto k_debounce = 2s;
// Passes a change triggers that find nothing to do: after this many in a row, such passes run at
// most once per k_quiet_gap (something keeps touching a file the configuration reads).
constexpr int k_empty_passes_allowed = 3;
constexpr auto k_quiet_gap = 1min;
// A failed reconcile is tried again after 5 s, 10 s, 20 s, … up to this (or the interval).
constexpr auto k_first_retry = 5s;
constexpr auto k_max_retry = 5min;

std::string local_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::localtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

// What one reconcile came to.
struct Outcome {
  std::string result;   // "success", "failure" or "config_error"
  std::string summary;  // for STATUS= and /readyz
  std::size_t planned = 0;
  std::size_t applied = 0;
  std::size_t drift = 0;
};

class Daemon {
 public:
  Daemon(const Options& options, const Environment& environment,
         std::shared_ptr<spdlog::logger> logger)
      : m_options(options), m_environment(environment), m_logger(std::move(logger)) {}

  int run();

 private:
  Result<void> start();
  // One reconcile, on the calling thread: load (or keep the last good configuration), lock,
  // plan, apply.
  Outcome reconcile();
  void record(const Outcome& outcome, Clock::duration took);
  HttpAnswer answer(std::string_view path);
  [[nodiscard]] Clock::duration jittered_interval();
  void watch_config(const config::Config& config);

  const Options& m_options;
  const Environment& m_environment;
  std::shared_ptr<spdlog::logger> m_logger;
  Metrics m_metrics;
  std::unique_ptr<api::Transport> m_transport;
  std::unique_ptr<api::Client> m_client;
  std::unique_ptr<HttpListener> m_listener;
  std::optional<ConfigWatcher> m_watcher;
  std::atomic<bool> m_stop{false};
  std::mt19937_64 m_random{std::random_device{}()};

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
};

Result<void> Daemon::start() {
  CFSYNC_TRY(m_transport, open_transport(m_options, m_environment, m_logger));
  m_client = make_client(*m_transport, m_options, m_logger);
  m_client->observe([this](api::Method method, int status) {
    m_metrics.api_request(api::to_string(method), status);
  });
  if (m_options.listen) {
    CFSYNC_TRY(m_listener, HttpListener::start(
                               *m_options.listen,
                               [this](std::string_view path) { return answer(path); }, m_logger));
    m_logger->info("serving /healthz, /readyz and /metrics on {} (port {})", *m_options.listen,
                   m_listener->port());
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

HttpAnswer Daemon::answer(std::string_view path) {
  if (path == "/healthz") return {.body = "ok\n"};
  if (path == "/metrics") {
    return {.content_type = std::string(k_exposition_content_type), .body = m_metrics.exposition()};
  }
  if (path == "/readyz") {
    std::lock_guard lock(m_mutex);
    const auto limit = 2 * m_options.interval;
    const bool recent = m_last_success && Clock::now() - *m_last_success <= limit;
    if (recent && !m_last_failed && m_config_error.empty()) {
      return {.body = "ready: " + m_last_summary + "\n"};
    }
    std::string why = m_config_error.empty() ? "" : "configuration error: " + m_config_error + "\n";
    if (m_last_failed) {
      why += "the last reconcile failed: " + m_last_summary + "\n";
    } else if (!recent) {
      why += "no successful reconcile in the last two intervals: " + m_last_summary + "\n";
    }
    return {.status = 503, .body = why};
  }
  return {.status = 404, .body = "not found\n"};
}

Clock::duration Daemon::jittered_interval() {
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::duration_cast<Clock::duration>(m_options.interval * jitter(m_random));
}

void Daemon::watch_config(const config::Config& config) {
  if (!m_watcher) return;
  const std::filesystem::path path = m_options.config ? *m_options.config : config.root;
  m_watcher->watch(WatchSet::of(path, &config, state_dir_of(m_options, m_environment, config)));
}

Outcome Daemon::reconcile() {
  spdlog::logger& log = *m_logger;
  // load: a configuration that does not load is reported and the last good one is enforced.
  auto loaded = load_config(m_options, m_environment);
  config::Config config;
  bool config_error = false;
  std::string print;
  {
    std::lock_guard lock(m_mutex);
    if (loaded) {
      m_config_error.clear();
      m_last_good = *loaded;
      m_last_good_print = desired_digest(*loaded);
      config = std::move(*loaded);
    } else {
      config_error = true;
      // Shown on the unauthenticated /readyz and in STATUS=: each problem's place and kind, never
      // what the configuration says there (a key pasted into the wrong field). The log has all.
      m_config_error = loaded.error().describe();
      for (const std::string& line : loaded.error().redacted_details) m_config_error += "; " + line;
      if (!m_last_good) return {"config_error", "configuration error: " + m_config_error};
      config = *m_last_good;
    }
    print = m_last_good_print;
  }
  if (config_error) {
    log.error("configuration error; enforcing the last good configuration: {}",
              loaded.error().describe());
    for (const std::string& line : loaded.error().details) log.error("{}", line);
    m_metrics.config_load_error();
  }
  m_metrics.config_valid(!config_error);
  bool send_ready = false;
  if (!config_error) {
    std::lock_guard lock(m_mutex);
    m_watch_again = config.root;
    send_ready = !std::exchange(m_ready_sent, true);
  }
  // Ready once a configuration loaded: the first apply may take long (a large dataset).
  if (send_ready) systemd::notify("READY=1");
  const std::filesystem::path state_dir = state_dir_of(m_options, m_environment, config);
  // lock: only while this pass may write, so that an `apply` can run between passes.
  auto locked = WriterLock::acquire(lock_dir_of(m_options, m_environment),
                                    config.desired.account_id, state_dir, m_options.lock_timeout);
  if (!locked) {
    log.error("{}", locked.error().message());
    return {"failure", locked.error().message()};
  }
  if (auto claimed = claim_state_dir(state_dir, config.desired.account_id); !claimed) {
    log.error("{}", claimed.error().message());
    return {"failure", claimed.error().message()};
  }

  // Drift: changes planned against the very configuration last applied in full are live edits
  // made elsewhere. (With a new configuration, its changes and drift are not told apart.)
  const bool drift = last_applied(state_dir, config.desired.account_id) == print;
  Outcome outcome;
  auto pass = reconcile_pass(
      config.desired, state_dir, *m_client, m_options, drift, [](const Pass&) { return true; },
      &m_stop, m_logger);
  if (!pass) {
    log.error("reconcile failed: {}", pass.error().describe());
    for (const std::string& line : pass.error().details) log.error("{}", line);
    if (pass.error().kind() == ErrorKind::state) m_metrics.state_write_error();
    return {"failure", pass.error().describe()};
  }
  const Plan& plan = pass->plan;
  outcome.planned = plan.changes.size();
  for (const std::string& warning : plan.warnings) log.warn("{}", warning);
  bool ok = pass->waited;
  for (std::size_t i = 0; pass->report && i < pass->report->outcomes.size(); ++i) {
    const api::ChangeOutcome& change_outcome = pass->report->outcomes[i];
    if (change_outcome.error) {
      ok = false;
      continue;
    }
    const Change& change = plan.changes.at(i);
    ++outcome.applied;
    m_metrics.change_applied(to_string(change.kind), to_string(change.action));
    if (change.origin == Origin::drift) {
      ++outcome.drift;
      m_metrics.drift_corrected(to_string(change.kind));
    }
  }
  if (pass->report && !pass->report->ok()) ok = false;
  bool state_failed = !pass->state_errors.empty();  // each was logged as it happened
  if (ok && !state_failed) {
    if (auto recorded = record_applied(state_dir, config.desired.account_id, print); !recorded) {
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
  if (config_error) {
    outcome.result = "config_error";
    outcome.summary = "configuration error (last good one enforced: " + counts + ")";
  } else {
    outcome.result = ok ? "success" : "failure";
    outcome.summary = (ok ? "in sync: " : "failed: ") + counts;
  }
  return outcome;
}

void Daemon::record(const Outcome& outcome, Clock::duration took) {
  m_metrics.reconcile_finished(outcome.result, took);
  const api::ClientStats stats = m_client->stats();
  m_metrics.client_totals(stats.retries, stats.rate_limited, stats.budget_left);
  const std::string summary = outcome.summary + " at " + local_time_now();
  {
    std::lock_guard lock(m_mutex);
    m_last_summary = summary;
    m_last_failed = outcome.result == "failure";
    if (outcome.result == "success") {
      m_last_success = Clock::now();
      m_metrics.last_success(std::chrono::system_clock::now());
    }
  }
  m_logger->log(outcome.result == "success" ? spdlog::level::info : spdlog::level::err,
                "reconcile: {}", summary);
  systemd::notify("STATUS=" + summary);
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
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  const int done_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  if (auto started = start(); !started) {
    m_logger->error("{}", started.error().describe());
    return 1;
  }

  if (m_options.once) {
    const auto began = Clock::now();
    const Outcome outcome = reconcile();
    record(outcome, Clock::now() - began);
    return outcome.result == "success" ? 0 : 1;
  }

  Clock::time_point due = Clock::now();  // reconcile at start
  // A change seen: reconcile once it has been quiet this long (max: none pending).
  Clock::time_point settle = Clock::time_point::max();
  std::filesystem::path changed;  // the file whose change is pending, for the log
  // A settled change that no pass has started on yet, and when it may start.
  std::optional<Clock::time_point> change_due;
  bool change_pass = false;  // the running pass was started for a change
  Clock::time_point pass_started;
  ChangeGate gate(k_empty_passes_allowed, k_quiet_gap);
  bool gate_warned = false;
  std::thread worker;
  bool running = false;
  bool reloading = false;
  int failures = 0;
  const auto watchdog = systemd::watchdog_interval();
  Clock::time_point next_ping = Clock::now();

  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!running && now >= due) {
      running = true;
      // The pass reads the configuration afresh: every change settled until now is in it.
      change_pass = change_due.has_value();
      change_due.reset();
      pass_started = now;
      worker = std::thread([this, done_fd] {
        const Clock::time_point started = Clock::now();
        const Outcome outcome = reconcile();
        record(outcome, Clock::now() - started);
        std::lock_guard lock(m_mutex);
        m_pending = outcome;
        const std::uint64_t one = 1;
        (void)!::write(done_fd, &one, sizeof one);
      });
    }
    Clock::time_point wake = running ? now + 1h : due;
    wake = std::min(wake, settle);
    if (watchdog) wake = std::min(wake, next_ping);
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    pollfd fds[3] = {{signal_fd, POLLIN, 0},
                     {done_fd, POLLIN, 0},
                     {m_watcher ? m_watcher->fd() : -1, POLLIN, 0}};
    ::poll(fds, 3, static_cast<int>(std::clamp<std::int64_t>(wait_ms, 0, 60'000)));

    if (watchdog && Clock::now() >= next_ping) {
      systemd::notify("WATCHDOG=1");
      next_ping = Clock::now() + *watchdog;
    }
    if ((fds[2].revents & POLLIN) != 0) {
      if (auto path = m_watcher->drain()) {
        settle = Clock::now() + k_debounce;
        changed = *path;
      }
    }
    if (Clock::now() >= settle) {
      settle = Clock::time_point::max();
      const Clock::time_point at = gate.when(Clock::now());
      if (at > Clock::now() && !gate_warned) {
        gate_warned = true;
        m_logger->warn(
            "the last {} passes started by a change found nothing to apply, and {} keeps "
            "changing: until a pass applies something, passes for changes run at most once a "
            "minute",
            gate.empty_in_a_row(), changed.string());
      } else if (at <= Clock::now()) {
        m_logger->info("the configuration changed ({}); reconciling", changed.string());
      }
      change_due = change_due ? std::min(*change_due, at) : at;
      due = std::min(due, *change_due);
    }
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      (void)!::read(done_fd, &count, sizeof count);
      worker.join();
      running = false;
      Outcome outcome;
      std::optional<std::filesystem::path> watch_again;
      {
        std::lock_guard lock(m_mutex);
        outcome = m_pending;
        watch_again = std::exchange(m_watch_again, std::nullopt);
        if (watch_again && m_last_good) {
          watch_config(*m_last_good);
        } else if (!m_last_good && m_watcher) {
          // Nothing loaded yet: watch where the configuration should be, to see it fixed.
          m_watcher->watch(WatchSet::of(m_options.config.value_or(std::filesystem::current_path()),
                                        nullptr,
                                        m_options.state_dir.value_or(std::filesystem::path())));
        }
      }
      if (m_stop) break;
      if (change_pass) {
        gate.finished(pass_started, outcome.planned, outcome.result == "success");
        if (gate.empty_in_a_row() == 0) gate_warned = false;
      }
      if (outcome.result == "success") {
        failures = 0;
        due = Clock::now() + jittered_interval();
      } else {
        // Try again soon, backing off; a config error waits for a change (or the interval).
        ++failures;
        auto retry = k_first_retry * (1 << std::min(failures - 1, 10));
        retry = std::min({retry, std::chrono::duration_cast<decltype(retry)>(k_max_retry),
                          std::chrono::duration_cast<decltype(retry)>(m_options.interval)});
        due = Clock::now() + (outcome.result == "config_error" ? jittered_interval() : retry);
      }
      // A change seen while the pass ran: its own pass, not the next interval.
      if (change_due) due = std::min(due, *change_due);
      if (reloading) {
        reloading = false;
        systemd::notify("READY=1");
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      while (::read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {
          m_logger->info("SIGHUP: reloading the configuration and reconciling");
          systemd::notify("RELOADING=1");
          reloading = true;
          due = Clock::now();
        } else {
          m_stop = true;
        }
      }
    }
    if (m_stop) break;
  }

  systemd::notify("STOPPING=1");
  if (running) {
    m_logger->info("stopping: no new change starts; waiting up to {} ms for those in flight",
                   m_options.shutdown_timeout.count());
    const auto deadline = Clock::now() + m_options.shutdown_timeout;
    pollfd done{done_fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&done, 1, static_cast<int>(std::max<std::int64_t>(0, left))) <= 0) {
      m_logger->warn("requests still in flight after --shutdown-timeout; exiting without them");
      m_logger->flush();
      std::_Exit(0);
    }
    worker.join();
  }
  m_logger->info("stopped");
  return 0;
}

}  // namespace

int run_daemon(const Options& options, const Environment& environment,
               const std::shared_ptr<spdlog::logger>& logger) {
  Daemon daemon(options, environment, logger);
  return daemon.run();
}

}  // namespace cfsync::daemon
