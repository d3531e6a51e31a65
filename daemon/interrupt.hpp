// SIGTERM and SIGINT during a one-shot command (`apply`): the first stops new changes and lets
// those in flight finish within --shutdown-timeout; the second, or the timeout, exits at once.
// Before any change started there is nothing to finish: the first signal exits.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace cfsync::daemon {

class Interrupt {
 public:
  // Blocks SIGTERM and SIGINT in this thread (and so in every thread started after) and
  // receives them on a thread of its own.
  Interrupt(std::chrono::milliseconds shutdown_timeout, std::shared_ptr<spdlog::logger> log);
  ~Interrupt();
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // From now on changes are being made: a signal stops them instead of exiting.
  void writing() { m_writing = true; }
  // Set by the first signal once writing: no change may start.
  [[nodiscard]] const std::atomic<bool>* stop() const { return &m_stop; }
  // Writing is over (the report is being printed): a signal now changes nothing.
  void done() { m_done = true; }

 private:
  void watch();

  std::chrono::milliseconds m_shutdown_timeout;
  std::shared_ptr<spdlog::logger> m_log;
  std::atomic<bool> m_writing{false};
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_done{false};
  std::atomic<bool> m_quit{false};  // the destructor ends the watching thread
  std::thread m_thread;
};

}  // namespace cfsync::daemon
