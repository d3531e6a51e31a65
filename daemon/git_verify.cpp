#include "daemon/git_verify.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace cfsync::daemon {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_ssh_armor = "-----BEGIN SSH SIGNATURE-----";
constexpr std::string_view k_pgp_armor = "-----BEGIN PGP SIGNATURE-----";
// What a tool may print that is read back (principals, gpgv's status lines).
constexpr std::size_t k_max_tool_output_bytes = 64 * 1024;

// A file of the scratch directory, removed with the object.
class ScratchFile {
 public:
  ScratchFile() = default;
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }

  // A new file in `dir` holding `content`.
  [[nodiscard]] Result<void> create(const fs::path& dir, std::string_view prefix,
                                    std::string_view content) {
    std::string name = (dir / prefix).string() + "-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
      return Error(ErrorKind::io, "verifying a signature: cannot create a file in " + dir.string());
    }
    m_path = name;
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (written != content.size()) {
      return Error(ErrorKind::io, "verifying a signature: cannot write " + m_path.string());
    }
    return {};
  }
  [[nodiscard]] const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

struct ToolRun {
  int exit_code = -1;  // -1: killed after the timeout
  std::string out;
};

// Runs `argv` (argv[0] an absolute path) without a shell: stdin from `input` (or /dev/null),
// stdout into a scratch file that is read back, stderr discarded (it repeats what the exit code
// says, in the tool's words).
Result<ToolRun> run_tool(const std::vector<std::string>& argv, const fs::path& input,
                         const fs::path& scratch) {
  ScratchFile out;
  CFSYNC_TRY_VOID(out.create(scratch, "out", ""));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string in_path = input.empty() ? "/dev/null" : input.string();
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.path().c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  // The daemon blocks its signals for a signalfd; the tool gets them back.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int number : {SIGHUP, SIGINT, SIGTERM, SIGPIPE}) sigaddset(&defaults, number);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, argv.front().c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return Error(ErrorKind::io, "verifying a signature: cannot run " + argv.front());
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + SignatureVerifier::k_tool_timeout;
  ToolRun run;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Error(ErrorKind::io, "waiting for " + argv.front());
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return run;  // exit_code -1
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out.path());
  std::string text(k_max_tool_output_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  run.out = std::move(text);
  return run;
}

Verdict refused(std::string why) {
  return Verdict{.trusted = false, .signer = {}, .why = std::move(why)};
}

}  // namespace

std::optional<fs::path> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr && *path != '\0' ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Result<SignatureVerifier> SignatureVerifier::open(SignatureTrust trust, fs::path scratch) {
  SignatureVerifier verifier;
  if (trust.allowed_signers) {
    const auto tool = find_program("ssh-keygen");
    if (!tool) {
      return Error(ErrorKind::usage,
                   "--git-verify-allowed-signers needs ssh-keygen (Debian: openssh-client), which "
                   "is not on PATH");
    }
    verifier.m_ssh_keygen = *tool;
  }
  if (trust.gpg_keyring) {
    const auto tool = find_program("gpgv");
    if (!tool) {
      return Error(ErrorKind::usage,
                   "--git-verify-gpg-keyring needs gpgv (Debian: gpgv), which is not on PATH");
    }
    verifier.m_gpgv = *tool;
  }
  verifier.m_trust = std::move(trust);
  verifier.m_scratch = std::move(scratch);
  return verifier;
}

Result<Verdict> SignatureVerifier::verify(const std::string& signature,
                                          const std::string& payload) const {
  if (signature.empty()) return refused("it is not signed");
  const bool ssh = signature.find(k_ssh_armor) != std::string::npos;
  const bool pgp = signature.find(k_pgp_armor) != std::string::npos;
  if (ssh && !m_trust.allowed_signers) {
    return refused(
        "it is signed with an SSH key, and only OpenPGP keys are trusted "
        "(--git-verify-gpg-keyring)");
  }
  if (pgp && !m_trust.gpg_keyring) {
    return refused(
        "it is signed with OpenPGP, and only SSH keys are trusted "
        "(--git-verify-allowed-signers)");
  }
  if (!ssh && !pgp) return refused("its signature is of a kind cfsync does not check (X.509?)");
  std::error_code ec;
  fs::create_directories(m_scratch, ec);
  ScratchFile signature_file;
  CFSYNC_TRY_VOID(signature_file.create(m_scratch, "signature", signature));
  ScratchFile payload_file;
  CFSYNC_TRY_VOID(payload_file.create(m_scratch, "payload", payload));
  return ssh ? verify_ssh(signature_file.path(), payload_file.path())
             : verify_gpg(signature_file.path(), payload_file.path());
}

Result<Verdict> SignatureVerifier::verify_ssh(const fs::path& signature,
                                              const fs::path& payload) const {
  const std::string signers = m_trust.allowed_signers->string();
  // As git does: the principals whose key made the signature, then a check of the signature
  // itself for one of them (find-principals only matches the key).
  CFSYNC_TRY(const ToolRun found, run_tool({m_ssh_keygen.string(), "-Y", "find-principals", "-s",
                                            signature.string(), "-f", signers},
                                           {}, m_scratch));
  std::istringstream principals(found.out);
  std::string principal;
  while (found.exit_code == 0 && std::getline(principals, principal)) {
    if (principal.empty()) continue;
    CFSYNC_TRY(const ToolRun checked,
               run_tool({m_ssh_keygen.string(), "-Y", "verify", "-f", signers, "-I", principal,
                         "-n", "git", "-s", signature.string()},
                        payload, m_scratch));
    if (checked.exit_code == 0) {
      return Verdict{.trusted = true, .signer = principal + " (SSH)", .why = {}};
    }
  }
  if (found.exit_code != 0) {
    return refused("its SSH signature is not made by a key of " + signers);
  }
  return refused("its SSH signature does not verify with the keys of " + signers);
}

Result<Verdict> SignatureVerifier::verify_gpg(const fs::path& signature,
                                              const fs::path& payload) const {
  const std::string keyring = fs::absolute(*m_trust.gpg_keyring).string();
  // --homedir: the scratch directory, so that no trustedkeys.kbx of a home directory adds keys.
  CFSYNC_TRY(const ToolRun checked,
             run_tool({m_gpgv.string(), "--homedir", m_scratch.string(), "--status-fd", "1",
                       "--keyring", keyring, signature.string(), payload.string()},
                      {}, m_scratch));
  // A good signature says so on the status line too: "[GNUPG:] VALIDSIG <fingerprint> …".
  const auto valid = checked.out.find("[GNUPG:] VALIDSIG ");
  if (checked.exit_code == 0 && valid != std::string::npos) {
    const std::string rest = checked.out.substr(valid + 18);
    return Verdict{
        .trusted = true, .signer = "OpenPGP key " + rest.substr(0, rest.find(' ')), .why = {}};
  }
  return refused("its OpenPGP signature is not made by a key of " + keyring);
}

}  // namespace cfsync::daemon
