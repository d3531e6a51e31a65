// Time for code that waits: injected, so that tests of waiting neither sleep nor depend on the
// machine's speed.
#pragma once

#include <chrono>

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

}  // namespace cfsync::api
