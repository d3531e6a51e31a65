// Seeing a configuration change: inotify on directories, not files, so that git's atomic
// renames and a checkout swapped by a symlink flip (git-sync) are both seen. Only a change to
// something the configuration reads counts: not a log file written beside it, an editor's swap
// file, the state directory or an unrelated file.
#pragma once

#include "config/load.hpp"
#include "reconcile/result.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace cfsync::daemon {

// What the configuration reads, as paths with every directory resolved (the last component of
// `config` is kept as named: replacing it is a change).
struct WatchSet {
  std::filesystem::path config;  // -c: one YAML file, or a directory of them
  // When -c is a directory, where it leads (symlinks resolved): a new *.yaml there is read too.
  std::filesystem::path config_directory;
  std::set<std::filesystem::path> files;    // every file read: YAML, keys, datasets, documents
  std::vector<config::DocumentTree> trees;  // where a new file may become a document
  std::filesystem::path ignored;            // the state directory, or empty

  // What `config` (with `-c` as named) reads; before any configuration loaded, `config` alone.
  [[nodiscard]] static WatchSet of(const std::filesystem::path& config_path,
                                   const config::Config* config,
                                   const std::filesystem::path& state_dir);
};

// Whether a change to `path` (a directory, or one that was: `is_directory`) touches what `set`
// reads. Pure, for tests. A new directory in a document tree does not count by itself: the
// watcher looks inside it.
[[nodiscard]] bool matters(const WatchSet& set, const std::filesystem::path& path,
                           bool is_directory);

// When a pass a change asks for may start. A file the configuration reads that keeps changing
// without changing anything (a log written into a documents directory, a tool touching a key
// file) would otherwise start pass after pass: after `allowed` such passes in a row found nothing
// to do, the next runs no sooner than `gap` after the last one started. Pure: the caller gives
// the time.
class ChangeGate {
 public:
  using Clock = std::chrono::steady_clock;

  ChangeGate(int allowed, Clock::duration gap) : m_allowed(allowed), m_gap(gap) {}

  // The earliest a pass for a change seen at `now` may start.
  [[nodiscard]] Clock::time_point when(Clock::time_point now) const;
  // A pass a change started at `started` has ended: `planned` changes, `ok` when it succeeded.
  void finished(Clock::time_point started, std::size_t planned, bool ok);
  // Passes in a row that a change started and that found nothing to do.
  [[nodiscard]] int empty_in_a_row() const { return m_empty; }

 private:
  int m_allowed;
  Clock::duration m_gap;
  int m_empty = 0;
  Clock::time_point m_last_start{};
};

class ConfigWatcher {
 public:
  [[nodiscard]] static Result<ConfigWatcher> open();

  ConfigWatcher(ConfigWatcher&& other) noexcept;
  ConfigWatcher& operator=(ConfigWatcher&&) = delete;
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;
  ~ConfigWatcher();

  // Watches what `set` reads, instead of what it watched before: the directory holding `config`,
  // `config` when it is a directory, the directory of every file, and every directory of every
  // document tree. Directories both sets need stay watched throughout.
  void watch(WatchSet set);

  // For poll(): readable when something happened.
  [[nodiscard]] int fd() const { return m_fd; }
  // Reads what is pending; the first path whose change matters, if any.
  std::optional<std::filesystem::path> drain();

 private:
  explicit ConfigWatcher(int fd) : m_fd(fd) {}
  void add(const std::filesystem::path& directory);
  // Watches `directory` and the directories below it that a document walk enters; true when a
  // file below it matters (a directory that arrived with files in it).
  bool add_tree(const std::filesystem::path& directory);

  int m_fd = -1;
  WatchSet m_set;
  std::map<int, std::filesystem::path> m_watches;  // watch descriptor -> directory (resolved)
  std::set<std::filesystem::path> m_watched;
  std::set<std::filesystem::path> m_wanted;  // what the last watch() asked for
};

}  // namespace cfsync::daemon
