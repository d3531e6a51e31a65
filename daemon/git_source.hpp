// `cfsync run --git-url`: the configuration comes from a git repository that cfsync follows
// itself. libgit2 fetches the ref into a bare clone in the state directory; each new commit is
// checked out into a directory of its own, and `current` is switched to it by one rename, by the
// pass that is about to load it, so that a pass never reads half of one commit and half of
// another. Older checkouts are removed then. A fetch that fails leaves the revision checked out
// as it is.
//
// With a SignatureTrust, the commit fetched must be signed by a trusted key (git_verify.hpp): one
// that is not is never checked out, and fetch() says why.
#pragma once

#include "daemon/git_verify.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace cfsync::daemon {

struct GitSourceOptions {
  // https://, http:// to loopback only, ssh://[user@]host[:port]/path, [user@]host:path (scp-like;
  // the user is git unless named), file://
  std::string url;
  std::optional<std::string> ref;  // a branch, a tag or a commit; unset: the remote's HEAD
  std::filesystem::path path;      // the configuration inside the repository; empty: its root
  std::filesystem::path dir;       // where the clone and the checkouts live
  // For https://: sent as the password of user "x-access-token", never logged.
  std::optional<std::string> token;
  // For ssh:// and scp-like URLs: the private key (no passphrase), and the host keys trusted in
  // known_hosts format (any other host key is refused). The key is never read by cfsync itself,
  // and never logged.
  std::optional<std::filesystem::path> ssh_key;
  std::optional<std::filesystem::path> known_hosts;
  // Verification: the keys a commit must be signed by; none: every commit is taken.
  SignatureTrust trust;
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

// Where an ssh:// or scp-like URL connects, and as whom.
struct SshTarget {
  std::string user;
  std::string host;
  int port = 22;
};

// What a fetch found: the commit the ref names, and whether it may be checked out.
struct Fetched {
  Revision revision;
  // With verification on: who signed it, when trusted ("alice@example.com (SSH)").
  std::string signer;
  // With verification on: why it is refused ("it is not signed"); it is then never checked out,
  // and the revision enforced stays as it is. Unset: the commit may be applied.
  std::optional<std::string> refused;
};

class GitSource {
 public:
  // Checks the options (the URL's scheme and host); touches nothing yet.
  [[nodiscard]] static Result<std::unique_ptr<GitSource>> open(GitSourceOptions options);
  ~GitSource();
  GitSource(const GitSource&) = delete;
  GitSource& operator=(const GitSource&) = delete;

  // Fetches every branch and tag, and says which commit the ref names now, and, with
  // verification on, whether its signature is trusted. Safe to call from another thread than
  // switch_to().
  [[nodiscard]] Result<Fetched> fetch() const;
  // With verification on, whether the commit `sha` of the clone is signed by a trusted key
  // (without: trusted).
  [[nodiscard]] Result<Verdict> verify(const std::string& sha) const;
  [[nodiscard]] bool verifies() const { return m_verifier.has_value(); }
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
  GitSource(GitSourceOptions options, std::optional<SshTarget> ssh,
            std::optional<SignatureVerifier> verifier);
  GitSourceOptions m_options;
  std::optional<SshTarget> m_ssh;
  std::optional<SignatureVerifier> m_verifier;
};

}  // namespace cfsync::daemon
