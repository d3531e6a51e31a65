// Seeing a configuration change: inotify on directories, not files, so that git's atomic
// renames and a checkout swapped by a symlink flip (git-sync) are both seen.
#pragma once

#include "reconcile/result.hpp"

#include <filesystem>
#include <map>
#include <vector>

namespace cfsync::daemon {

class ConfigWatcher {
 public:
  [[nodiscard]] static Result<ConfigWatcher> open();

  ConfigWatcher(ConfigWatcher&& other) noexcept;
  ConfigWatcher& operator=(ConfigWatcher&&) = delete;
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;
  ~ConfigWatcher();

  // Watches, instead of what it watched before: `config` (the file or directory given to -c)
  // and the directory holding it, and the directory of every file in `files`. A path that does
  // not exist is skipped. Changes inside `ignored` (the state directory, which may sit in the
  // checkout) are not changes.
  void watch(const std::filesystem::path& config, const std::vector<std::filesystem::path>& files,
             const std::filesystem::path& ignored);

  // For poll(): readable when something changed.
  [[nodiscard]] int fd() const { return m_fd; }
  // Reads what is pending; true when any of it was a change (not only noise such as reads).
  bool drain();

 private:
  explicit ConfigWatcher(int fd) : m_fd(fd) {}
  void add(const std::filesystem::path& directory);
  // Whether `name` in the directory of watch `wd` is inside the ignored directory.
  [[nodiscard]] bool ignored(int wd, const char* name) const;

  int m_fd = -1;
  std::map<int, std::filesystem::path> m_watches;  // watch descriptor -> directory
  std::filesystem::path m_ignored;
};

}  // namespace cfsync::daemon
