// How far a long apply got: on a terminal, a status line redrawn in place; otherwise a log line
// now and then.
#pragma once

#include "daemon/logging.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

// "applied 120 of 2202 changes, 35.2/s, about 59 s left".
[[nodiscard]] std::string progress_text(std::size_t done, std::size_t total,
                                        std::chrono::milliseconds elapsed);

class Progress {
 public:
  // `line` null: log lines at info level instead of a status line.
  Progress(std::size_t total, spdlog::logger& log, StatusLine* line);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One more change done (applied, failed or skipped).
  void step();

 private:
  using Clock = std::chrono::steady_clock;

  std::size_t m_total;
  std::size_t m_done = 0;
  spdlog::logger& m_log;
  StatusLine* m_line;
  Clock::time_point m_started = Clock::now();
  Clock::time_point m_shown = m_started;
};

}  // namespace cfsync::daemon
