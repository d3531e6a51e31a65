// When `cfsync run` starts its next reconcile pass: at start, every interval (±10%), once a
// change to what the configuration reads has been quiet for the debounce, sooner after a failure
// (backing off), and on SIGHUP; passes for changes that keep finding nothing are rate-limited.
// A state machine with no I/O: the caller gives the time and the random numbers, and does the
// waiting, the passes and the logging itself, so that every rule is tested without sleeping.
#pragma once

#include "daemon/watch.hpp"

#include <chrono>
#include <cstddef>
#include <optional>

namespace cfsync::daemon {

// What one reconcile pass came to.
enum class PassResult {
  success,
  failure,       // the pass failed (lock, API, state directory): retried with backoff
  config_error,  // the configuration does not load: waits for a change, or the interval
};

struct PassTiming {
  std::chrono::milliseconds interval{300'000};  // between passes, ±10%
  // Edits come in bursts (a checkout writes many files): wait for this much quiet.
  std::chrono::milliseconds debounce{2'000};
  // A failed pass is tried again after 5 s, 10 s, 20 s, … up to max_retry (or the interval).
  std::chrono::milliseconds first_retry{5'000};
  std::chrono::milliseconds max_retry{300'000};
  // Passes a change starts that find nothing to do: after this many in a row, such passes run at
  // most once per quiet_gap (something keeps touching a file the configuration reads).
  int empty_passes_allowed = 3;
  std::chrono::milliseconds quiet_gap{60'000};
};

class PassTimer {
 public:
  using Clock = std::chrono::steady_clock;

  // What a change that has just settled comes to, for the log.
  enum class Settled {
    nothing,        // no change settled
    start,          // a pass for it starts as soon as none runs
    limited,        // rate-limited, the first time since a pass applied something: say so
    still_limited,  // rate-limited again: said already
  };

  // The first pass is due at `now`.
  PassTimer(const PassTiming& timing, Clock::time_point now);

  // A change to what the configuration reads, seen at `now`: it settles once it has been quiet
  // for the debounce (a later change pushes that back).
  void changed(Clock::time_point now);
  // A change that is whole when seen (a fetched commit, checked out at once by the pass): it
  // settles at the next settle(), without waiting for the debounce.
  void arrived(Clock::time_point now);
  // The change seen settles when it has been quiet long enough by `now`: its pass is due when the
  // gate allows, or as soon as the running pass ends.
  Settled settle(Clock::time_point now);
  // SIGHUP: a pass now; while one runs, another as soon as it ends.
  void reload(Clock::time_point now);

  // Whether a pass starts at `now`: none runs and one is due. It then runs until finished().
  bool start(Clock::time_point now);
  // The running pass ended at `now` with `result`, after planning `planned` changes. `unit`, a
  // uniform random number in [0, 1), places the next pass in the interval's ±10%.
  void finished(Clock::time_point now, PassResult result, std::size_t planned, double unit);

  // When settle() or start() next has something to do: the change settling, and the pass due
  // unless one runs. time_point::max() when neither.
  [[nodiscard]] Clock::time_point wake() const;
  [[nodiscard]] bool running() const { return m_running; }
  // When the next pass starts, once none runs.
  [[nodiscard]] Clock::time_point due() const { return m_due; }
  // Failed passes in a row (configuration errors included).
  [[nodiscard]] int failures() const { return m_failures; }
  // Passes in a row that a change started and that found nothing to do.
  [[nodiscard]] int empty_in_a_row() const { return m_gate.empty_in_a_row(); }

 private:
  [[nodiscard]] Clock::duration jittered_interval(double unit) const;
  [[nodiscard]] Clock::duration retry_delay() const;

  PassTiming m_timing;
  ChangeGate m_gate;
  Clock::time_point m_due;
  Clock::time_point m_settle = Clock::time_point::max();  // max: no change pending
  // A settled change that no pass has started on yet, and when it may start.
  std::optional<Clock::time_point> m_change_due;
  bool m_running = false;
  bool m_change_pass = false;   // the running pass was started for a change
  bool m_reload_after = false;  // SIGHUP while the pass ran: the next starts when it ends
  Clock::time_point m_started{};
  bool m_warned = false;  // `limited` was said, and no pass applied anything since
  int m_failures = 0;
};

}  // namespace cfsync::daemon
