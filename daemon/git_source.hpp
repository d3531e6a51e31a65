// `cfsync run --git-url`: the configuration comes from a git repository that cfsync follows
// itself. libgit2 fetches the ref into a bare clone in the state directory; each new commit is
// checked out into a directory of its own, and `current` is switched to it by one rename, by the
// pass that is about to load it, so that a pass never reads half of one commit and half of
// another. Older checkouts are removed then. A fetch that fails leaves the revision checked out
// as it is.
#pragma once

#include "reconcile/result.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace cfsync::daemon {

struct GitSourceOptions {
  std::string url;                 // https://, http:// to loopback only, file://
  std::optional<std::string> ref;  // a branch, a tag or a commit; unset: the remote's HEAD
  std::filesystem::path path;      // the configuration inside the repository; empty: its root
  std::filesystem::path dir;       // where the clone and the checkouts live
  // For https://: sent as the password of user "x-access-token", never logged.
  std::optional<std::string> token;
};

// What is enforced: "main@sha1:<40 hex>".
struct Revision {
  std::string ref;  // the branch or tag name, or the commit named
  std::string sha;

  [[nodiscard]] std::string text() const { return ref + "@sha1:" + sha; }
  friend bool operator==(const Revision&, const Revision&) = default;
};

// The commit checked out where `path` is, when it is inside a git working copy (directory mode:
// a checkout kept up to date by something else): its branch (or "HEAD" when detached) and id.
[[nodiscard]] std::optional<Revision> revision_of_checkout(const std::filesystem::path& path);

class GitSource {
 public:
  // Checks the options (the URL's scheme and host); touches nothing yet.
  [[nodiscard]] static Result<std::unique_ptr<GitSource>> open(GitSourceOptions options);
  ~GitSource();
  GitSource(const GitSource&) = delete;
  GitSource& operator=(const GitSource&) = delete;

  // Fetches every branch and tag, and says which commit the ref names now. Safe to call from
  // another thread than switch_to().
  [[nodiscard]] Result<Revision> fetch() const;
  // Checks `revision` out into a directory of its own (once) and switches `current` to it;
  // removes the other checkouts but `keep`'s (the last good configuration's files). Only the
  // thread that loads the configuration calls it.
  [[nodiscard]] Result<void> switch_to(const Revision& revision,
                                       const std::optional<std::string>& keep) const;
  // The revision checked out by an earlier run, if its checkout is still there.
  [[nodiscard]] std::optional<Revision> checked_out() const;
  // The configuration of the revision checked out: current/<path>.
  [[nodiscard]] std::filesystem::path config_path() const;

 private:
  explicit GitSource(GitSourceOptions options);
  GitSourceOptions m_options;
};

}  // namespace cfsync::daemon
