#include "daemon/lock.hpp"

#include "config/state_file.hpp"
#include "daemon/saved_plan.hpp"
#include "reconcile/file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace cfsync::daemon {

namespace {

namespace fs = std::filesystem;

// The pid the holder wrote, or "" when the file says nothing readable.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t read = ::pread(fd, text, sizeof text - 1, 0);
  if (read <= 0) return "";
  std::string pid(text, static_cast<std::size_t>(read));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

// The lock directory, made if missing. Under /run/lock it is shared by every user (sticky, like
// /tmp), so that a root `apply` and a daemon running as a systemd dynamic user exclude each
// other; under $XDG_RUNTIME_DIR it is the user's own.
Result<void> make_lock_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  const bool shared = dir.parent_path() == "/run/lock";
  fs::create_directories(dir, ec);
  if (ec && !fs::is_directory(dir)) {
    return Error(ErrorKind::io, "cannot create the lock directory " + dir.string() + ": " +
                                    ec.message() + " (choose another with --lock-dir)");
  }
  if (shared) ::chmod(dir.c_str(), S_ISVTX | 0777);  // a race with another creator is harmless
  return {};
}

// Opens (creating) a lock file. Read-only when another user's file may not be opened for
// writing (fs.protected_regular in a sticky directory): flock() needs no write access.
Result<int> open_lock_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EACCES) fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorKind::io,
                 "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
  }
  return fd;
}

// Takes the lock on an open file within `timeout`; closes it on failure.
Result<void> lock(int fd, const fs::path& file, std::string_view what,
                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Error(ErrorKind::io, "cannot lock " + file.string() + ": " + reason);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string pid = holder_of(fd);
      ::close(fd);
      return Error(ErrorKind::usage,
                   "another cfsync" + (pid.empty() ? std::string() : " (pid " + pid + ")") +
                       " is writing to " + std::string(what) + ": it holds " + file.string() +
                       "; waited " + std::to_string(timeout.count()) + " ms (--lock-timeout)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Ours: say who holds it, for the next one to name. Should this fail (a read-only open), the
  // lock holds all the same; only a waiting process's message is poorer.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return {};
}

Result<int> take(const fs::path& file, std::string_view what, std::chrono::milliseconds timeout) {
  CFSYNC_TRY(const int fd, open_lock_file(file));
  CFSYNC_TRY_VOID(lock(fd, file, what, timeout));
  return fd;
}

}  // namespace

Result<WriterLock> WriterLock::acquire(const fs::path& lock_dir, const std::string& account_id,
                                       const fs::path& state_dir,
                                       std::chrono::milliseconds timeout) {
  CFSYNC_TRY_VOID(make_lock_dir(lock_dir));
  CFSYNC_TRY(const int account_fd,
             take(lock_dir / (account_id + ".lock"), "account " + account_id, timeout));
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  auto state_fd =
      take(state_dir / "cfsync.lock", "the state directory " + state_dir.string(), timeout);
  if (!state_fd) {
    ::close(account_fd);
    return state_fd.error();
  }
  return WriterLock(account_fd, *state_fd);
}

void WriterLock::release() {
  // Closing releases a lock; the state directory's first, as it was taken last.
  if (m_state_fd >= 0) ::close(std::exchange(m_state_fd, -1));
  if (m_account_fd >= 0) ::close(std::exchange(m_account_fd, -1));
}

WriterLock::WriterLock(WriterLock&& other) noexcept
    : m_account_fd(std::exchange(other.m_account_fd, -1)),
      m_state_fd(std::exchange(other.m_state_fd, -1)) {}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    release();
    m_account_fd = std::exchange(other.m_account_fd, -1);
    m_state_fd = std::exchange(other.m_state_fd, -1);
  }
  return *this;
}

WriterLock::~WriterLock() { release(); }

Result<void> claim_state_dir(const fs::path& state_dir, const std::string& account_id) {
  const fs::path file = state_dir / "account";
  std::optional<std::string> owner;
  if (Result<std::string> read = read_file(file)) {
    std::string text = std::move(*read);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    owner = text;
  } else {
    owner = last_applied_account(state_dir);
  }
  if (owner && *owner != account_id) {
    return Error(ErrorKind::usage,
                 "the state directory " + state_dir.string() + " belongs to account " + *owner +
                     " (" + file.string() + "), not " + account_id +
                     ": each account needs its own state directory (--state-dir)");
  }
  std::error_code ec;
  // Machine-local, and it holds the key of the plans' digests: never committed, even when it
  // sits in the configuration's repository (the default, .cfsync-state/ beside the config).
  if (!fs::exists(state_dir / ".gitignore", ec)) {
    CFSYNC_TRY_VOID(config::write_atomically(
        state_dir / ".gitignore",
        "# cfsync's state directory: machine-local, never committed (written by cfsync)\n*\n",
        "the state directory's .gitignore"));
  }
  if (fs::exists(file, ec)) return {};
  return config::write_atomically(file, account_id + "\n", "the state directory's account");
}

fs::path default_lock_dir(bool root, const std::string& xdg_runtime_dir) {
  if (root || xdg_runtime_dir.empty()) return "/run/lock/cfsync";
  return fs::path(xdg_runtime_dir) / "cfsync";
}

}  // namespace cfsync::daemon
