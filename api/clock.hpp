// Time for code that waits: injected, so that tests of waiting neither sleep nor depend on the
// machine's speed.
#pragma once

#include "reconcile/result.hpp"

#include <chrono>
#include <functional>

namespace cfsync::api {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() = 0;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// The steady clock, and a real sleep.
[[nodiscard]] Clock& system_clock();

// Calls `round` until it answers true (done) or `timeout` has passed, pausing a quarter of a
// second after the first round and twice as long after each next one, up to five seconds.
// Returns whether it got done; a failed round ends the polling with its error.
[[nodiscard]] Result<bool> poll_with_backoff(Clock& clock, std::chrono::milliseconds timeout,
                                             const std::function<Result<bool>()>& round);

}  // namespace cfsync::api
