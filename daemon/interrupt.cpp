#include "daemon/interrupt.hpp"

#include <signal.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <utility>

namespace cfsync::daemon {

namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

const char* name_of(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

// The next stop signal within 100 ms, if any.
std::optional<int> next_signal(const sigset_t& signals) {
  const timespec tick{0, 100'000'000};
  const int signal = ::sigtimedwait(&signals, nullptr, &tick);
  if (signal < 0) return std::nullopt;
  return signal;
}

}  // namespace

Interrupt::Interrupt(std::chrono::milliseconds shutdown_timeout,
                     std::shared_ptr<spdlog::logger> log)
    : m_shutdown_timeout(shutdown_timeout), m_log(std::move(log)) {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  m_thread = std::thread([this] { watch(); });
}

Interrupt::~Interrupt() {
  m_quit = true;
  m_thread.join();
  // A signal still pending is taken as it would have been without us: it ends the process.
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

void Interrupt::watch() {
  const sigset_t signals = stop_signals();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  while (!m_quit) {
    const std::optional<int> signal = next_signal(signals);
    if (m_done) continue;  // the report is being written: let it finish
    if (signal && deadline) {
      m_log->error(
          "{} again: exiting now; changes in flight may or may not have been made "
          "(`cfsync plan` shows what is left)",
          name_of(*signal));
      m_log->flush();
      std::_Exit(128 + *signal);
    }
    if (signal && !m_writing) {
      m_log->warn("{}: exiting before any change was made", name_of(*signal));
      m_log->flush();
      std::_Exit(128 + *signal);
    }
    if (signal) {
      m_stop = true;
      deadline = std::chrono::steady_clock::now() + m_shutdown_timeout;
      m_log->warn(
          "{}: stopping; no new change starts, and those in flight have {} ms "
          "(--shutdown-timeout) to finish; a second signal exits at once",
          name_of(*signal), m_shutdown_timeout.count());
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      m_log->error(
          "changes still in flight after --shutdown-timeout: exiting without them; "
          "`cfsync plan` shows what is left");
      m_log->flush();
      std::_Exit(1);
    }
  }
}

}  // namespace cfsync::daemon
