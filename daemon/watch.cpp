#include "daemon/watch.hpp"

#include "config/glob.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace cfsync::daemon {

namespace fs = std::filesystem;

namespace {

// What changes a checkout: writes, renames in and out (git, editors), creations, deletions, and
// the watched directory itself replaced.
constexpr std::uint32_t k_events = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                   IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_MODIFY;
// Directories of one document tree watched at most: past it, new subdirectories are seen at the
// next interval only.
constexpr std::size_t k_max_watches = 8192;

// `path` with its directories resolved and its last component as named.
fs::path resolved(const fs::path& path) {
  if (path.empty()) return path;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec).lexically_normal();
  fs::path parent = absolute.parent_path();
  fs::path name = absolute.filename();
  if (name.empty()) {  // "dir/": the directory itself
    name = parent.filename();
    parent = parent.parent_path();
  }
  const fs::path canonical = fs::weakly_canonical(parent, ec);
  return (ec ? parent : canonical) / name;
}

bool below(const fs::path& directory, const fs::path& path) {
  const auto [end, rest] =
      std::mismatch(directory.begin(), directory.end(), path.begin(), path.end());
  return end == directory.end() && rest != path.end();
}

bool hidden(const fs::path& relative) {
  return std::any_of(relative.begin(), relative.end(),
                     [](const fs::path& part) { return part.string().starts_with('.'); });
}

bool is_yaml(const fs::path& path) {
  const std::string ext = path.extension().string();
  return !path.filename().string().starts_with('.') && (ext == ".yaml" || ext == ".yml");
}

// Whether `key` (a path below the tree, '/'-separated) is a document the tree's filters keep.
bool kept(const config::DocumentTree& tree, const std::string& key) {
  auto matches = [&key](const std::string& glob) { return config::glob_matches(glob, key); };
  if (!tree.include.empty() && std::none_of(tree.include.begin(), tree.include.end(), matches)) {
    return false;
  }
  return std::none_of(tree.exclude.begin(), tree.exclude.end(), matches);
}

}  // namespace

WatchSet WatchSet::of(const fs::path& config_path, const config::Config* config,
                      const fs::path& state_dir) {
  WatchSet set;
  set.config = resolved(config_path);
  set.ignored = state_dir.empty() ? state_dir : fs::weakly_canonical(fs::absolute(state_dir));
  std::error_code ec;
  const bool directory = config != nullptr ? config->directory : fs::is_directory(config_path, ec);
  if (directory) set.config_directory = fs::weakly_canonical(fs::absolute(config_path), ec);
  if (config == nullptr) return set;
  for (const fs::path& file : config->files) set.files.insert(resolved(file));
  for (const DesiredInstance& instance : config->desired.ai_search_instances) {
    for (const DesiredDocument& document : instance.documents) {
      set.files.insert(resolved(document.file));
    }
  }
  set.trees = config->document_trees;
  for (config::DocumentTree& tree : set.trees) tree.directory = resolved(tree.directory);
  return set;
}

bool matters(const WatchSet& set, const fs::path& path, bool is_directory) {
  if (!set.ignored.empty() && (path == set.ignored || below(set.ignored, path))) return false;
  // -c itself replaced (git's rename, git-sync's symlink flip), or a file the configuration read.
  if (path == set.config || set.files.contains(path)) return true;
  if (!set.config_directory.empty() && path.parent_path() == set.config_directory &&
      !is_directory && is_yaml(path)) {
    return true;
  }
  if (is_directory) {
    // A directory gone, moved or replaced: a change when the configuration read files below it
    // (a new one in a document tree is looked into by the watcher).
    const auto inside = set.files.lower_bound(path);
    return (inside != set.files.end() && below(path, *inside)) ||
           std::any_of(
               set.trees.begin(), set.trees.end(),
               [&path](const config::DocumentTree& tree) { return path == tree.directory; });
  }
  for (const config::DocumentTree& tree : set.trees) {
    if (!below(tree.directory, path)) continue;
    const fs::path relative = path.lexically_relative(tree.directory);
    if (!hidden(relative) && kept(tree, relative.generic_string())) return true;
  }
  return false;
}

ChangeGate::Clock::time_point ChangeGate::when(Clock::time_point now) const {
  if (m_empty < m_allowed) return now;
  return std::max(now, m_last_start + m_gap);
}

void ChangeGate::finished(Clock::time_point started, std::size_t planned, bool ok) {
  m_last_start = started;
  // A failed pass says nothing about the change: it is retried on its own schedule.
  if (!ok) return;
  m_empty = planned == 0 ? m_empty + 1 : 0;
}

Result<ConfigWatcher> ConfigWatcher::open() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorKind::io,
                 std::string("cannot watch the configuration (inotify): ") + std::strerror(errno));
  }
  return ConfigWatcher(fd);
}

ConfigWatcher::ConfigWatcher(ConfigWatcher&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)),
      m_set(std::move(other.m_set)),
      m_watches(std::move(other.m_watches)),
      m_watched(std::move(other.m_watched)),
      m_wanted(std::move(other.m_wanted)) {}

ConfigWatcher::~ConfigWatcher() {
  if (m_fd >= 0) ::close(m_fd);
}

void ConfigWatcher::add(const fs::path& directory) {
  m_wanted.insert(directory);
  if (m_watched.contains(directory) || m_watched.size() >= k_max_watches) return;
  // Follows symbolic links: a checkout behind a link is watched where it is.
  const int wd = ::inotify_add_watch(m_fd, directory.c_str(), k_events | IN_ONLYDIR);
  if (wd < 0) return;
  m_watches[wd] = directory;
  m_watched.insert(directory);
}

bool ConfigWatcher::add_tree(const fs::path& directory) {
  add(directory);
  bool found = false;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path path = resolved(it->path());
    if (it->path().filename().string().starts_with('.')) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      add(path);
    } else {
      found = found || matters(m_set, path, false);
    }
  }
  return found;
}

void ConfigWatcher::watch(WatchSet set) {
  m_set = std::move(set);
  m_wanted.clear();
  // The parent sees `config` renamed or its link flipped; the path itself, what is inside.
  add(m_set.config.parent_path());
  if (!m_set.config_directory.empty()) add(m_set.config_directory);
  for (const fs::path& file : m_set.files) add(file.parent_path());
  for (const config::DocumentTree& tree : m_set.trees) {
    add(tree.directory.parent_path());  // the tree replaced
    (void)add_tree(tree.directory);
  }
  // Only then are the watches no longer wanted removed: a directory both sets need is never left
  // unwatched, so a change made between two passes (a symlink flipped as one ends) is not missed.
  for (auto it = m_watches.begin(); it != m_watches.end();) {
    if (m_wanted.contains(it->second)) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(m_fd, it->first);
    m_watched.erase(it->second);
    it = m_watches.erase(it);
  }
}

std::optional<fs::path> ConfigWatcher::drain() {
  std::optional<fs::path> changed;
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t size = ::read(m_fd, buffer, sizeof buffer);
    if (size <= 0) break;  // EAGAIN: nothing more
    for (char* at = buffer; at < buffer + size;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      at += sizeof(inotify_event) + event->len;
      if ((event->mask & IN_Q_OVERFLOW) != 0) {  // events lost: assume the worst
        if (!changed) changed = "(inotify queue overflow)";
        continue;
      }
      const auto watched = m_watches.find(event->wd);
      if (watched == m_watches.end()) continue;
      if ((event->mask & IN_IGNORED) !=
          0) {  // the directory is gone: watch it again if it comes back
        m_watched.erase(watched->second);
        m_watches.erase(watched);
        continue;
      }
      if ((event->mask & k_events) == 0) continue;
      const bool self = event->len == 0 || event->name[0] == '\0';
      const fs::path path = self ? watched->second : watched->second / event->name;
      const bool is_directory = self || (event->mask & IN_ISDIR) != 0;
      bool relevant = matters(m_set, path, is_directory);
      // A directory that arrived in a document tree: watch it, and look at what it holds.
      if (!relevant && is_directory && (event->mask & (IN_CREATE | IN_MOVED_TO)) != 0 &&
          std::any_of(m_set.trees.begin(), m_set.trees.end(),
                      [&path](const config::DocumentTree& tree) {
                        return below(tree.directory, path) &&
                               !hidden(path.lexically_relative(tree.directory));
                      })) {
        relevant = add_tree(path);
      }
      if (relevant && !changed) changed = path;
    }
  }
  return changed;
}

}  // namespace cfsync::daemon
