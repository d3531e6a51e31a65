// The SSH host keys `cfsync run --git-url ssh://…` trusts, in OpenSSH's known_hosts format
// (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host patterns (names, `[host]:port`, `*` and `?`,
// negation with `!`, and hashed `|1|salt|hash` entries), a key type and the key in base64;
// `@revoked` marks a key never to trust. `@cert-authority` lines are not supported: such a line
// trusts nothing here. No I/O: the caller reads the file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cfsync::daemon {

enum class HostKeyMatch {
  known,     // a line for the host holds the key
  unknown,   // no line is for the host
  mismatch,  // lines are for the host, none with the key
  revoked,   // the key is marked @revoked
};

// `key_sha256`: the SHA-256 digest of the host's public key blob (the wire format a known_hosts
// line holds in base64). `port` 22 is written as the host alone, another as `[host]:port`.
[[nodiscard]] HostKeyMatch match_known_host(std::string_view known_hosts, std::string_view host,
                                            int port,
                                            const std::array<std::uint8_t, 32>& key_sha256);

// As OpenSSH shows a key: "SHA256:" and the digest in base64 without padding.
[[nodiscard]] std::string sha256_fingerprint(const std::array<std::uint8_t, 32>& key_sha256);

}  // namespace cfsync::daemon
