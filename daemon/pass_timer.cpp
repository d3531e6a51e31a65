#include "daemon/pass_timer.hpp"

#include "api/retry.hpp"

#include <algorithm>
#include <utility>

namespace cfsync::daemon {

PassTimer::PassTimer(const PassTiming& timing, Clock::time_point now)
    : m_timing(timing), m_gate(timing.empty_passes_allowed, timing.quiet_gap), m_due(now) {}

void PassTimer::changed(Clock::time_point now) { m_settle = now + m_timing.debounce; }

void PassTimer::arrived(Clock::time_point now) { m_settle = std::min(m_settle, now); }

PassTimer::Settled PassTimer::settle(Clock::time_point now) {
  if (now < m_settle) return Settled::nothing;
  m_settle = Clock::time_point::max();
  const Clock::time_point at = m_gate.when(now);
  m_change_due = m_change_due ? std::min(*m_change_due, at) : at;
  m_due = std::min(m_due, *m_change_due);
  if (at <= now) return Settled::start;
  return std::exchange(m_warned, true) ? Settled::still_limited : Settled::limited;
}

void PassTimer::reload(Clock::time_point now) {
  m_due = now;
  // The running pass may have read the account before what the signal is about: another follows.
  m_reload_after = m_running;
}

bool PassTimer::start(Clock::time_point now) {
  if (m_running || now < m_due) return false;
  m_running = true;
  // The pass reads the configuration afresh: every change settled until now is in it.
  m_change_pass = m_change_due.has_value();
  m_change_due.reset();
  m_started = now;
  return true;
}

void PassTimer::finished(Clock::time_point now, PassResult result, std::size_t planned,
                         double unit) {
  m_running = false;
  if (m_change_pass) {
    m_gate.finished(m_started, planned, result == PassResult::success);
    if (m_gate.empty_in_a_row() == 0) m_warned = false;
  }
  switch (result) {
    case PassResult::success:
      m_failures = 0;
      m_due = now + jittered_interval(unit);
      break;
    case PassResult::failure:
      ++m_failures;
      m_due = now + retry_delay();
      break;
    case PassResult::config_error:
      // Retrying cannot fix the file: wait for a change (or the interval). It still counts
      // toward the backoff of a failure that follows.
      ++m_failures;
      m_due = now + jittered_interval(unit);
      break;
  }
  // A change seen while the pass ran: its own pass, not the next interval.
  if (m_change_due) m_due = std::min(m_due, *m_change_due);
  if (std::exchange(m_reload_after, false)) m_due = now;
}

PassTimer::Clock::time_point PassTimer::wake() const {
  return std::min(m_running ? Clock::time_point::max() : m_due, m_settle);
}

PassTimer::Clock::duration PassTimer::jittered_interval(double unit) const {
  return std::chrono::duration_cast<Clock::duration>(m_timing.interval * (0.9 + 0.2 * unit));
}

PassTimer::Clock::duration PassTimer::retry_delay() const {
  // The API client's backoff at its ceiling (unit 1, so no jitter): first_retry doubled for each
  // failure before this one, capped: the 5 s, 10 s, 20 s, … that the README promises.
  const api::RetryPolicy policy{.base = m_timing.first_retry,
                                .cap = std::min(m_timing.max_retry, m_timing.interval)};
  return api::backoff(policy, m_failures - 1, 1.0);
}

}  // namespace cfsync::daemon
