#include "api/clock.hpp"

#include <algorithm>
#include <thread>

namespace cfsync::api {

namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

Clock& system_clock() {
  static SteadyClock clock;
  return clock;
}

Result<bool> poll_with_backoff(Clock& clock, std::chrono::milliseconds timeout,
                               const std::function<Result<bool>()>& round) {
  const Clock::TimePoint deadline = clock.now() + timeout;
  std::chrono::milliseconds pause(250);
  for (;;) {
    CFSYNC_TRY(bool done, round());
    if (done) return true;
    if (clock.now() >= deadline) return false;
    clock.sleep_for(std::min(
        pause, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now())));
    pause = std::min(pause * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace cfsync::api
