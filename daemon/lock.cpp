#include "daemon/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace cfsync::daemon {

namespace {

// The pid the holder wrote, or "" when the file says nothing readable.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t read = ::pread(fd, text, sizeof text - 1, 0);
  if (read <= 0) return "";
  std::string pid(text, static_cast<std::size_t>(read));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

}  // namespace

Result<StateLock> StateLock::acquire(const std::filesystem::path& state_dir,
                                     std::chrono::milliseconds timeout) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  const std::filesystem::path file = state_dir / "cfsync.lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(ErrorKind::io,
                 "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
  }
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
                       " is writing to this account: it holds " + file.string() + "; waited " +
                       std::to_string(timeout.count()) + " ms (--lock-timeout)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Ours: say who holds it, for the next one to name.
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Should this fail, the lock holds all the same; only a waiting process's message is poorer.
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return StateLock(fd);
}

StateLock::StateLock(StateLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

StateLock::~StateLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the lock
}

}  // namespace cfsync::daemon
