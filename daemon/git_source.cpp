#include "daemon/git_source.hpp"

#include "config/state_file.hpp"
#include "daemon/known_hosts.hpp"

#include <git2.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <mutex>
#include <sstream>

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

// An scp-like URL, [user@]host:path: no scheme, and a colon before any slash.
bool is_scp_like(std::string_view url) {
  const std::size_t colon = url.find(':');
  return url.find("://") == std::string_view::npos && colon != std::string_view::npos &&
         colon > 0 && url.find('/') > colon;
}

// The URL without what could be a credential: shown in messages.
std::string shown_url(const std::string& url) {
  if (is_scp_like(url)) return url;  // a user name, a host and a path
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "the repository";
  boost::urls::url copy(*parsed);
  copy.remove_userinfo();
  return std::string(copy.buffer());
}

// What one fetch's libgit2 callbacks share.
struct Session {
  const GitSourceOptions* options = nullptr;
  // ssh: who connects where, and the known_hosts file's text, read for this fetch.
  const std::string* ssh_user = nullptr;
  const std::string* ssh_host = nullptr;
  int ssh_port = 22;
  std::string known_hosts;
  // libgit2 asks again as long as the server refuses what it was given: a few times, not forever.
  int credentials_given = 0;
  std::string problem;  // why the connection was refused (a host key, a key, a token)
};

// An SSH key is offered once: sshd counts each try against its MaxAuthTries and then hangs up
// without saying why. A token may be asked for again by a server that answers 401 twice.
constexpr int k_max_ssh_key_attempts = 1;
constexpr int k_max_token_attempts = 3;

int give_credentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                     unsigned int allowed, void* payload) {
  Session& session = *static_cast<Session*>(payload);
  const GitSourceOptions& options = *session.options;
  if (session.ssh_user != nullptr) {
    const char* user = username_from_url != nullptr && *username_from_url != '\0'
                           ? username_from_url
                           : session.ssh_user->c_str();
    if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0 && options.ssh_key) {
      if (++session.credentials_given > k_max_ssh_key_attempts) {
        session.problem = "the server refused the SSH key (--git-ssh-key-file)";
        return GIT_EAUTH;
      }
      return git_credential_ssh_key_new(out, user, nullptr, options.ssh_key->c_str(), nullptr);
    }
    if ((allowed & GIT_CREDENTIAL_USERNAME) != 0) return git_credential_username_new(out, user);
    return GIT_PASSTHROUGH;
  }
  if (!options.token || (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
    return GIT_PASSTHROUGH;
  }
  if (++session.credentials_given > k_max_token_attempts) {
    session.problem = "the server refused the token (--git-token-file)";
    return GIT_EAUTH;
  }
  return git_credential_userpass_plaintext_new(out, "x-access-token", options.token->c_str());
}

// ssh: the host key must be one the known_hosts file lists for the host. TLS certificates are
// left to libgit2's own verification (GIT_PASSTHROUGH keeps its verdict).
int check_certificate(git_cert* cert, int /*valid*/, const char* /*host*/, void* payload) {
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;
  Session& session = *static_cast<Session*>(payload);
  const std::string host = session.ssh_host != nullptr ? *session.ssh_host : "the host";
  const std::string shown =
      session.ssh_port == 22 ? host : "[" + host + "]:" + std::to_string(session.ssh_port);
  const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
  if (session.ssh_host == nullptr || (key->type & GIT_CERT_SSH_SHA256) == 0) {
    session.problem = "no SHA-256 digest of the host key of " + shown + " to check";
    return GIT_ECERTIFICATE;
  }
  std::array<std::uint8_t, 32> digest{};
  std::copy(std::begin(key->hash_sha256), std::end(key->hash_sha256), digest.begin());
  const std::string file = session.options->known_hosts->string();
  const std::string named = "the host key of " + shown + " (" + sha256_fingerprint(digest) + ")";
  switch (match_known_host(session.known_hosts, host, session.ssh_port, digest)) {
    case HostKeyMatch::known:
      return 0;
    case HostKeyMatch::unknown:
      session.problem = named + " is not in " + file +
                        "; refusing to connect (check the fingerprint with the host's owner, "
                        "then add the key to the file)";
      break;
    case HostKeyMatch::mismatch:
      session.problem = named + " is not one " + file +
                        " lists for it; refusing to connect (the key changed, or another host "
                        "answers)";
      break;
    case HostKeyMatch::revoked:
      session.problem = named + " is marked @revoked in " + file + "; refusing to connect";
      break;
  }
  git_error_set_str(GIT_ERROR_SSH, session.problem.c_str());
  return GIT_ECERTIFICATE;
}

constexpr std::string_view k_revision_file = "current.revision";

// The user, host and port of an ssh:// or scp-like URL; the user is git unless named.
Result<SshTarget> parse_ssh_target(const std::string& url) {
  SshTarget target{.user = "git", .host = {}, .port = 22};
  if (is_scp_like(url)) {
    std::string_view rest(url);
    rest = rest.substr(0, rest.find(':'));
    if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
      target.user = std::string(rest.substr(0, at));
      rest.remove_prefix(at + 1);
    }
    target.host = std::string(rest);
  } else {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->host().empty()) {
      return Error(ErrorKind::usage, "--git-url: expected ssh://[user@]host[:port]/path");
    }
    if (parsed->has_userinfo() && !parsed->user().empty()) target.user = parsed->user();
    target.host = parsed->host_address();
    if (parsed->has_port()) target.port = parsed->port_number();
  }
  if (target.host.empty() || target.user.empty() || target.port == 0) {
    return Error(ErrorKind::usage,
                 "--git-url: expected ssh://[user@]host[:port]/path or "
                 "[user@]host:path");
  }
  return target;
}

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

GitSource::GitSource(GitSourceOptions options, std::optional<SshTarget> ssh,
                     std::optional<SignatureVerifier> verifier)
    : m_options(std::move(options)), m_ssh(std::move(ssh)), m_verifier(std::move(verifier)) {}
GitSource::~GitSource() = default;

Result<std::unique_ptr<GitSource>> GitSource::open(GitSourceOptions options) {
  const std::string& url = options.url;
  init_libgit2();
  std::optional<SshTarget> ssh;
  if (url.starts_with("ssh://") || is_scp_like(url)) {
    CFSYNC_TRY(ssh, parse_ssh_target(url));
    if ((git_libgit2_features() & GIT_FEATURE_SSH) == 0) {
      return Error(ErrorKind::usage, "--git-url: this libgit2 is built without SSH");
    }
    if (!options.ssh_key) {
      return Error(ErrorKind::usage,
                   "--git-url: an SSH repository needs a key: --git-ssh-key-file FILE, or the "
                   "systemd credential git-ssh-key");
    }
    if (!options.known_hosts) {
      return Error(ErrorKind::usage,
                   "--git-url: an SSH repository needs the host keys to trust: --git-known-hosts "
                   "FILE, the systemd credential git-known-hosts, or ~/.ssh/known_hosts");
    }
  } else if (url.starts_with("http://")) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed || !is_loopback(parsed->host())) {
      return Error(ErrorKind::usage,
                   "--git-url: http:// is refused but to loopback (127.0.0.1, ::1, localhost); "
                   "use https://");
    }
  } else if (!url.starts_with("https://") && !url.starts_with("file://")) {
    return Error(ErrorKind::usage,
                 "--git-url: expected an https://, ssh://, user@host:path or file:// URL (or "
                 "http:// to loopback)");
  }
  if (options.path.is_absolute() ||
      std::any_of(options.path.begin(), options.path.end(),
                  [](const fs::path& part) { return part == ".."; })) {
    return Error(ErrorKind::usage, "--git-path: expected a path inside the repository");
  }
  std::optional<SignatureVerifier> verifier;
  if (options.trust.any()) {
    CFSYNC_TRY(verifier, SignatureVerifier::open(options.trust, options.dir / "verify"));
  }
  return std::unique_ptr<GitSource>(
      new GitSource(std::move(options), std::move(ssh), std::move(verifier)));
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

Result<Verdict> GitSource::verify(const std::string& sha) const {
  if (!m_verifier) return Verdict{.trusted = true, .signer = {}, .why = {}};
  Owned<git_repository, git_repository_free> clone;
  CFSYNC_TRY_VOID(open_clone(m_options.dir / "repository.git", clone));
  git_oid oid;
  if (git_oid_fromstr(&oid, sha.c_str()) != 0) return git_failure("reading commit " + sha);
  git_buf signature = GIT_BUF_INIT;
  git_buf payload = GIT_BUF_INIT;
  const int found = git_commit_extract_signature(&signature, &payload, clone.get, &oid, nullptr);
  if (found != 0 && found != GIT_ENOTFOUND) return git_failure("reading commit " + sha);
  const std::string signature_text =
      found == 0 ? std::string(signature.ptr, signature.size) : std::string();
  const std::string payload_text = found == 0 ? std::string(payload.ptr, payload.size) : "";
  git_buf_dispose(&signature);
  git_buf_dispose(&payload);
  return m_verifier->verify(signature_text, payload_text);
}

Result<Fetched> GitSource::fetch() const {
  Owned<git_repository, git_repository_free> clone;
  CFSYNC_TRY_VOID(open_clone(m_options.dir / "repository.git", clone));
  const std::string where = shown_url(m_options.url);
  // Every branch and tag (forced: a force-push is followed), and the remote's HEAD.
  Owned<git_remote, git_remote_free> remote;
  if (git_remote_create_anonymous(&remote.get, clone.get, m_options.url.c_str()) != 0) {
    return git_failure("fetching " + where);
  }
  Session session;
  session.options = &m_options;
  if (m_ssh) {
    session.ssh_user = &m_ssh->user;
    session.ssh_host = &m_ssh->host;
    session.ssh_port = m_ssh->port;
    // Read at each fetch: a key added to the file is trusted without a restart.
    std::ifstream in(*m_options.known_hosts);
    if (!in) {
      return Error(ErrorKind::io,
                   "fetching " + where + ": cannot read " + m_options.known_hosts->string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    session.known_hosts = text.str();
  }
  // Why libgit2 failed, or the refusal a callback gave, which says more.
  auto failure = [&](const std::string& what) {
    if (session.problem.empty()) return git_failure(what);
    return Error(ErrorKind::network, what + ": " + session.problem);
  };
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = give_credentials;
  callbacks.certificate_check = check_certificate;
  callbacks.payload = &session;
  if (git_remote_connect(remote.get, GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
    return failure("fetching " + where);
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
    return failure("fetching " + where);
  }
  git_remote_disconnect(remote.get);
  CFSYNC_TRY(std::string sha, resolve(clone.get, name, where));
  Fetched fetched{.revision = Revision{name, std::move(sha)}, .signer = {}, .refused = {}};
  if (m_verifier) {
    CFSYNC_TRY(Verdict verdict, verify(fetched.revision.sha));
    if (verdict.trusted) {
      fetched.signer = std::move(verdict.signer);
    } else {
      fetched.refused = std::move(verdict.why);
    }
  }
  return fetched;
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
