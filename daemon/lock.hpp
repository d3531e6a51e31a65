// One writer per account on a machine: an advisory lock (flock) on a file in the state
// directory, held by `apply` and `cfsync run` for as long as they may write.
#pragma once

#include "reconcile/result.hpp"

#include <chrono>
#include <filesystem>

namespace cfsync::daemon {

class StateLock {
 public:
  // Takes the lock on `state_dir`/cfsync.lock (creating the directory), waiting up to `timeout`
  // for another process to let go. The error names the holder's pid, which the file records.
  [[nodiscard]] static Result<StateLock> acquire(const std::filesystem::path& state_dir,
                                                 std::chrono::milliseconds timeout);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace cfsync::daemon
