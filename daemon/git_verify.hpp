// `cfsync run --git-verify-allowed-signers` and `--git-verify-gpg-keyring`: whether a commit's
// signature was made by a trusted key. The checks are OpenSSH's and GnuPG's own
// (`ssh-keygen -Y find-principals` then `-Y verify`, and `gpgv`), run as child processes without
// a shell, with the signature and the signed payload in temporary files of a scratch directory.
#pragma once

#include "reconcile/result.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace cfsync::daemon {

struct SignatureTrust {
  std::optional<std::filesystem::path> allowed_signers;  // SSH: an allowed-signers file
  std::optional<std::filesystem::path> gpg_keyring;      // OpenPGP: a keyring gpgv reads
  [[nodiscard]] bool any() const { return allowed_signers || gpg_keyring; }
};

// What a verification came to: trusted (`signer` names who signed, as the tool says it: an
// allowed-signers principal or an OpenPGP key), or not (`why`, for a log line; no secret).
struct Verdict {
  bool trusted = false;
  std::string signer;
  std::string why;
};

class SignatureVerifier {
 public:
  // Finds the tools the trust needs on PATH (ssh-keygen, gpgv): a usage error names one that is
  // missing. `scratch` holds the temporary files.
  [[nodiscard]] static Result<SignatureVerifier> open(SignatureTrust trust,
                                                      std::filesystem::path scratch);

  // `signature` as git keeps it in the commit's gpgsig header (empty: unsigned), over
  // `payload`, the commit without that header. An error is a tool that could not run, or a
  // temporary file that could not be written: not a verdict.
  [[nodiscard]] Result<Verdict> verify(const std::string& signature,
                                       const std::string& payload) const;

  // A verification tool that runs longer is killed, and the commit is not trusted.
  static constexpr std::chrono::seconds k_tool_timeout{30};

 private:
  SignatureVerifier() = default;
  [[nodiscard]] Result<Verdict> verify_ssh(const std::filesystem::path& signature,
                                           const std::filesystem::path& payload) const;
  [[nodiscard]] Result<Verdict> verify_gpg(const std::filesystem::path& signature,
                                           const std::filesystem::path& payload) const;

  SignatureTrust m_trust;
  std::filesystem::path m_scratch;
  std::filesystem::path m_ssh_keygen;
  std::filesystem::path m_gpgv;
};

// The program `name` on PATH (or /usr/bin:/bin when PATH is unset), if it is executable there.
[[nodiscard]] std::optional<std::filesystem::path> find_program(const std::string& name);

}  // namespace cfsync::daemon
