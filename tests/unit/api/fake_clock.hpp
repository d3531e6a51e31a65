// A Clock for tests: time passes only when the code under test sleeps.
#pragma once

#include "api/clock.hpp"

#include <vector>

namespace cfsync::test {

class FakeClock final : public api::Clock {
 public:
  TimePoint now() override { return m_now; }
  void sleep_for(std::chrono::milliseconds duration) override {
    slept.push_back(duration);
    m_now += duration;
  }
  std::vector<std::chrono::milliseconds> slept;

 private:
  TimePoint m_now{};
};

}  // namespace cfsync::test
