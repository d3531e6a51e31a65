// The SSH host keys trusted for ssh:// repositories: known_hosts lines as OpenSSH writes them.
#include "daemon/known_hosts.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::daemon {
namespace {

// A key of 32 "A"s and one of 32 "B"s, as ssh-ed25519 blobs in base64, and the first's SHA-256.
const std::string k_key_a = "AAAAC3NzaC1lZDI1NTE5AAAAIEFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB";
const std::string k_key_b = "AAAAC3NzaC1lZDI1NTE5AAAAIEJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC";
constexpr std::array<std::uint8_t, 32> k_digest_a = {
    0xc9, 0xc7, 0x9c, 0x4c, 0x51, 0x25, 0x3b, 0x8b, 0x4c, 0x69, 0x68, 0x2a, 0x7c, 0x74, 0x03, 0x11,
    0x48, 0xd4, 0x7a, 0xd7, 0xb4, 0x4e, 0xc9, 0x74, 0xc2, 0x6b, 0xd4, 0xfe, 0x49, 0x03, 0x5c, 0x57};

HostKeyMatch match(const std::string& file, std::string_view host = "example.com", int port = 22) {
  return match_known_host(file, host, port, k_digest_a);
}

TEST_CASE("a known_hosts line for the host with its key: known") {
  CHECK(match("example.com ssh-ed25519 " + k_key_a + "\n") == HostKeyMatch::known);
  CHECK(match("# a comment\n\nother.org,example.com ssh-ed25519 " + k_key_a + " me@laptop\n") ==
        HostKeyMatch::known);
  CHECK(match("Example.COM ssh-ed25519 " + k_key_a) == HostKeyMatch::known);
  CHECK(match("*.com ssh-ed25519 " + k_key_a) == HostKeyMatch::known);
  CHECK(match("exampl?.com ssh-ed25519 " + k_key_a) == HostKeyMatch::known);
  // Another of the host's keys first: still known.
  CHECK(match("example.com ssh-ed25519 " + k_key_b + "\nexample.com ssh-ed25519 " + k_key_a) ==
        HostKeyMatch::known);
}

TEST_CASE("a port other than 22 is [host]:port") {
  const std::string line = "[example.com]:2222 ssh-ed25519 " + k_key_a + "\n";
  CHECK(match(line, "example.com", 2222) == HostKeyMatch::known);
  CHECK(match(line, "example.com", 22) == HostKeyMatch::unknown);
  CHECK(match("example.com ssh-ed25519 " + k_key_a, "example.com", 2222) == HostKeyMatch::unknown);
}

TEST_CASE("hashed host names") {
  const std::string hashed =
      "|1|MDEyMzQ1Njc4OWFiY2RlZmdoaWo=|jaHXoMQTU/+rEgquOJTQzPGCF4I= ssh-ed25519 " + k_key_a;
  CHECK(match(hashed) == HostKeyMatch::known);
  CHECK(match(hashed, "example.org") == HostKeyMatch::unknown);
  const std::string with_port =
      "|1|MDEyMzQ1Njc4OWFiY2RlZmdoaWo=|B4JlprCduyj/8/3b1qnq1ugMSoY= ssh-ed25519 " + k_key_a;
  CHECK(match(with_port, "example.com", 2222) == HostKeyMatch::known);
  CHECK(match(with_port) == HostKeyMatch::unknown);
}

TEST_CASE("another key for the host is a mismatch, no line for it unknown") {
  CHECK(match("example.com ssh-ed25519 " + k_key_b) == HostKeyMatch::mismatch);
  CHECK(match("example.org ssh-ed25519 " + k_key_a) == HostKeyMatch::unknown);
  CHECK(match("") == HostKeyMatch::unknown);
  CHECK(match("example.com ssh-ed25519 not-base64!") == HostKeyMatch::mismatch);
}

TEST_CASE("a negated pattern, @revoked and @cert-authority") {
  CHECK(match("*.com,!example.com ssh-ed25519 " + k_key_a) == HostKeyMatch::unknown);
  CHECK(match("example.com ssh-ed25519 " + k_key_a + "\n@revoked * ssh-ed25519 " + k_key_a) ==
        HostKeyMatch::revoked);
  CHECK(match("@revoked * ssh-ed25519 " + k_key_b + "\nexample.com ssh-ed25519 " + k_key_a) ==
        HostKeyMatch::known);
  CHECK(match("@cert-authority *.com ssh-ed25519 " + k_key_a) == HostKeyMatch::unknown);
}

TEST_CASE("the fingerprint is OpenSSH's") {
  CHECK(sha256_fingerprint(k_digest_a) == "SHA256:ycecTFElO4tMaWgqfHQDEUjUete0Tsl0wmvU/kkDXFc");
}

}  // namespace
}  // namespace cfsync::daemon
