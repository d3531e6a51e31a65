// One writer per account on a machine: advisory locks (flock), held by `apply` and by each pass
// of `cfsync run` for as long as they may write.
#pragma once

#include "reconcile/result.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace cfsync::daemon {

class WriterLock {
 public:
  // Takes two locks, in this order, each waiting up to `timeout` for another process to let
  // go: the account's, `lock_dir`/ACCOUNT.lock, which every cfsync of the machine takes
  // whatever its state directory; then the state directory's, `state_dir`/cfsync.lock, which
  // keeps two writers off one directory even with different lock directories. The error names
  // the holder's pid, which each file records.
  [[nodiscard]] static Result<WriterLock> acquire(const std::filesystem::path& lock_dir,
                                                  const std::string& account_id,
                                                  const std::filesystem::path& state_dir,
                                                  std::chrono::milliseconds timeout);

  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&& other) noexcept;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

 private:
  WriterLock(int account_fd, int state_fd) : m_account_fd(account_fd), m_state_fd(state_fd) {}
  void release();
  int m_account_fd = -1;
  int m_state_fd = -1;
};

// A state directory serves one account: its records (dataset uploads, document digests, the
// last apply) name that account's objects, and another account's plan would drop them as gone.
// The first account to use it is written to `state_dir`/account; another is refused. A
// directory from before that file is claimed unless its last apply names another account.
// A .gitignore that ignores everything is written there when it has none: the directory is never
// committed with the configuration it sits beside.
[[nodiscard]] Result<void> claim_state_dir(const std::filesystem::path& state_dir,
                                           const std::string& account_id);

// --lock-dir, else $CFSYNC_LOCK_DIR, else /run/lock/cfsync for root and for a user without
// $XDG_RUNTIME_DIR (a systemd service), else $XDG_RUNTIME_DIR/cfsync.
[[nodiscard]] std::filesystem::path default_lock_dir(bool root, const std::string& xdg_runtime_dir);

}  // namespace cfsync::daemon
