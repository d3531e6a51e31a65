#include "daemon/git_source.hpp"

#include "config/state_file.hpp"

#include <git2.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>

namespace cfsync::daemon {

namespace fs = std::filesystem;

namespace {

// libgit2's last error, for a message; never the URL's credentials (they are not in it).
Error git_failure(const std::string& what) {
  const git_error* error = git_error_last();
  return Error(
      ErrorKind::network,
      what + ": " +
          (error != nullptr && error->message != nullptr ? error->message : "unknown error"));
}

// Owns a libgit2 object.
template <class T, void (*Free)(T*)>
struct Owned {
  T* get = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (get != nullptr) Free(get);
  }
};

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

bool is_loopback(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1";
}

// The URL without what could be a credential: shown in messages.
std::string shown_url(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "the repository";
  boost::urls::url copy(*parsed);
  copy.remove_userinfo();
  return std::string(copy.buffer());
}

int with_token(git_credential** out, const char* /*url*/, const char* /*username*/,
               unsigned int allowed, void* payload) {
  const auto* token = static_cast<const std::optional<std::string>*>(payload);
  if (!token->has_value() || (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
    return GIT_PASSTHROUGH;
  }
  return git_credential_userpass_plaintext_new(out, "x-access-token", (*token)->c_str());
}

constexpr std::string_view k_revision_file = "current.revision";

// The bare clone, made on first use. One handle per call: libgit2's are not shared by threads.
Result<void> open_clone(const fs::path& bare, Owned<git_repository, git_repository_free>& out) {
  std::error_code ec;
  fs::create_directories(bare.parent_path() / "checkouts", ec);
  if (git_repository_open_bare(&out.get, bare.c_str()) != 0 &&
      git_repository_init(&out.get, bare.c_str(), 1) != 0) {
    return git_failure("opening the clone in " + bare.string());
  }
  return {};
}

// The commit `name` names in the clone: a branch, a tag, or a commit id.
Result<std::string> resolve(git_repository* repository, const std::string& name,
                            const std::string& where) {
  Owned<git_object, git_object_free> object;
  for (const std::string& spec : {"refs/remotes/origin/" + name, "refs/tags/" + name, name}) {
    if (git_revparse_single(&object.get, repository, spec.c_str()) == 0) break;
  }
  if (object.get == nullptr) {
    return Error(ErrorKind::usage,
                 "--git-ref: " + where + " has no branch, tag or commit \"" + name + "\"");
  }
  Owned<git_object, git_object_free> commit;
  if (git_object_peel(&commit.get, object.get, GIT_OBJECT_COMMIT) != 0) {
    return git_failure("--git-ref " + name);
  }
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, git_object_id(commit.get));
  return std::string(hex);
}

}  // namespace

std::optional<Revision> revision_of_checkout(const fs::path& path) {
  init_libgit2();
  std::error_code ec;
  const fs::path start = fs::is_directory(path, ec) ? path : path.parent_path();
  Owned<git_repository, git_repository_free> repository;
  if (git_repository_open_ext(&repository.get, start.c_str(), 0, nullptr) != 0) {
    return std::nullopt;
  }
  Owned<git_reference, git_reference_free> head;
  if (git_repository_head(&head.get, repository.get) != 0) return std::nullopt;
  const git_oid* oid = git_reference_target(head.get);
  if (oid == nullptr) return std::nullopt;
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, oid);
  const char* branch = nullptr;
  const std::string name =
      git_branch_name(&branch, head.get) == 0 && branch != nullptr ? branch : "HEAD";
  return Revision{name, hex};
}

GitSource::GitSource(GitSourceOptions options) : m_options(std::move(options)) {}
GitSource::~GitSource() = default;

Result<std::unique_ptr<GitSource>> GitSource::open(GitSourceOptions options) {
  const std::string& url = options.url;
  if (url.starts_with("http://")) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || !is_loopback(parsed->host())) {
      return Error(ErrorKind::usage,
                   "--git-url: http:// is refused but to loopback (127.0.0.1, ::1, localhost); "
                   "use https://");
    }
  } else if (!url.starts_with("https://") && !url.starts_with("file://")) {
    return Error(ErrorKind::usage,
                 "--git-url: expected an https:// or file:// URL (or http:// to loopback)");
  }
  if (options.path.is_absolute() ||
      std::any_of(options.path.begin(), options.path.end(),
                  [](const fs::path& part) { return part == ".."; })) {
    return Error(ErrorKind::usage, "--git-path: expected a path inside the repository");
  }
  init_libgit2();
  return std::unique_ptr<GitSource>(new GitSource(std::move(options)));
}

fs::path GitSource::config_path() const {
  const fs::path current = m_options.dir / "current";
  return m_options.path.empty() ? current : current / m_options.path;
}

std::optional<Revision> GitSource::checked_out() const {
  std::error_code ec;
  const fs::path target = fs::read_symlink(m_options.dir / "current", ec);
  if (ec || !fs::is_directory(m_options.dir / "current", ec)) return std::nullopt;
  std::ifstream in(m_options.dir / k_revision_file);
  std::string ref;
  std::getline(in, ref);
  const std::string sha = target.filename().string();
  if (ref.empty() || sha.size() != 40) return std::nullopt;
  return Revision{ref, sha};
}

Result<Revision> GitSource::fetch() const {
  Owned<git_repository, git_repository_free> clone;
  CFSYNC_TRY_VOID(open_clone(m_options.dir / "repository.git", clone));
  const std::string where = shown_url(m_options.url);
  // Every branch and tag (forced: a force-push is followed), and the remote's HEAD.
  Owned<git_remote, git_remote_free> remote;
  if (git_remote_create_anonymous(&remote.get, clone.get, m_options.url.c_str()) != 0) {
    return git_failure("fetching " + where);
  }
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = with_token;
  callbacks.payload = const_cast<std::optional<std::string>*>(&m_options.token);
  if (git_remote_connect(remote.get, GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
    return git_failure("fetching " + where);
  }
  std::string name;
  if (m_options.ref) {
    name = *m_options.ref;
  } else {
    git_buf head = GIT_BUF_INIT;
    if (git_remote_default_branch(&head, remote.get) != 0) {
      return git_failure("finding the default branch of " + where);
    }
    name = std::string(head.ptr, head.size);
    git_buf_dispose(&head);
    if (name.starts_with("refs/heads/")) name = name.substr(11);
  }
  std::array<char*, 2> specs = {const_cast<char*>("+refs/heads/*:refs/remotes/origin/*"),
                                const_cast<char*>("+refs/tags/*:refs/tags/*")};
  const git_strarray refspecs{specs.data(), specs.size()};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.callbacks = callbacks;
  options.prune = GIT_FETCH_PRUNE;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  if (git_remote_download(remote.get, &refspecs, &options) != 0 ||
      git_remote_update_tips(remote.get, &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                             "cfsync fetch") != 0) {
    return git_failure("fetching " + where);
  }
  git_remote_disconnect(remote.get);
  CFSYNC_TRY(std::string sha, resolve(clone.get, name, where));
  return Revision{name, std::move(sha)};
}

Result<void> GitSource::switch_to(const Revision& revision,
                                  const std::optional<std::string>& keep) const {
  Owned<git_repository, git_repository_free> clone;
  CFSYNC_TRY_VOID(open_clone(m_options.dir / "repository.git", clone));
  std::error_code ec;
  const fs::path target = m_options.dir / "checkouts" / revision.sha;
  if (!fs::is_directory(target, ec)) {
    const fs::path scratch = target.string() + ".partial";
    fs::remove_all(scratch, ec);
    git_oid oid;
    Owned<git_commit, git_commit_free> commit;
    Owned<git_tree, git_tree_free> tree;
    if (git_oid_fromstr(&oid, revision.sha.c_str()) != 0 ||
        git_commit_lookup(&commit.get, clone.get, &oid) != 0 ||
        git_commit_tree(&tree.get, commit.get) != 0) {
      return git_failure("reading commit " + revision.sha);
    }
    git_checkout_options checkout = GIT_CHECKOUT_OPTIONS_INIT;
    checkout.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
    const std::string scratch_text = scratch.string();
    checkout.target_directory = scratch_text.c_str();
    if (git_checkout_tree(clone.get, reinterpret_cast<git_object*>(tree.get), &checkout) != 0) {
      return git_failure("checking out " + revision.sha);
    }
    fs::rename(scratch, target, ec);
    if (ec) return Error(ErrorKind::io, "checking out " + target.string() + ": " + ec.message());
  }
  const fs::path link = m_options.dir / "current.new";
  fs::remove(link, ec);
  fs::create_directory_symlink(fs::path("checkouts") / revision.sha, link, ec);
  if (!ec) fs::rename(link, m_options.dir / "current", ec);
  if (ec) return Error(ErrorKind::io, "switching to " + target.string() + ": " + ec.message());
  CFSYNC_TRY_VOID(config::write_atomically(m_options.dir / k_revision_file, revision.ref + "\n",
                                           "the revision checked out"));
  // Older checkouts: no pass reads them any more (the caller is the one that loads).
  for (const fs::directory_entry& entry : fs::directory_iterator(m_options.dir / "checkouts", ec)) {
    const std::string name = entry.path().filename().string();
    if (name != revision.sha && (!keep || name != *keep)) fs::remove_all(entry.path(), ec);
  }
  return {};
}

}  // namespace cfsync::daemon
