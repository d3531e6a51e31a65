#include "daemon/watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace cfsync::daemon {

namespace {

// What changes a checkout: writes, renames in and out (git, editors), creations, deletions, and
// the watched directory itself replaced.
constexpr std::uint32_t k_events = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                   IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_MODIFY;

}  // namespace

Result<ConfigWatcher> ConfigWatcher::open() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorKind::io,
                 std::string("cannot watch the configuration (inotify): ") + std::strerror(errno));
  }
  return ConfigWatcher(fd);
}

ConfigWatcher::ConfigWatcher(ConfigWatcher&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_watches(std::move(other.m_watches)) {}

ConfigWatcher::~ConfigWatcher() {
  if (m_fd >= 0) ::close(m_fd);
}

void ConfigWatcher::add(const std::filesystem::path& directory) {
  // Follows symbolic links: a checkout behind a link is watched where it is.
  const int wd = ::inotify_add_watch(m_fd, directory.c_str(), k_events | IN_ONLYDIR);
  if (wd >= 0) m_watches[wd] = directory;
}

void ConfigWatcher::watch(const std::filesystem::path& config,
                          const std::vector<std::filesystem::path>& files,
                          const std::filesystem::path& ignored) {
  m_ignored = ignored.empty() ? ignored : std::filesystem::absolute(ignored).lexically_normal();
  for (const auto& [wd, path] : m_watches) ::inotify_rm_watch(m_fd, wd);
  m_watches.clear();
  std::set<std::filesystem::path> wanted;
  const std::filesystem::path absolute = std::filesystem::absolute(config).lexically_normal();
  // The parent sees `config` renamed or its link flipped; the path itself, what is inside.
  wanted.insert(absolute.parent_path());
  std::error_code ec;
  if (std::filesystem::is_directory(absolute, ec)) wanted.insert(absolute);
  for (const std::filesystem::path& file : files) {
    wanted.insert(std::filesystem::absolute(file).lexically_normal().parent_path());
  }
  for (const std::filesystem::path& directory : wanted) add(directory);
}

bool ConfigWatcher::ignored(int wd, const char* name) const {
  if (m_ignored.empty() || name[0] == '\0') return false;
  const auto watched = m_watches.find(wd);
  if (watched == m_watches.end()) return false;
  const std::filesystem::path path = watched->second / name;
  const auto [end, rest] =
      std::mismatch(m_ignored.begin(), m_ignored.end(), path.begin(), path.end());
  return end == m_ignored.end();  // `path` is the ignored directory or below it
}

bool ConfigWatcher::drain() {
  bool changed = false;
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t size = ::read(m_fd, buffer, sizeof buffer);
    if (size <= 0) break;  // EAGAIN: nothing more
    for (char* at = buffer; at < buffer + size;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      const char* name = event->len > 0 ? event->name : "";
      if ((event->mask & (k_events | IN_Q_OVERFLOW)) != 0 && !ignored(event->wd, name)) {
        changed = true;
      }
      at += sizeof(inotify_event) + event->len;
    }
  }
  return changed;
}

}  // namespace cfsync::daemon
