#include "daemon/known_hosts.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <vector>

namespace cfsync::daemon {

namespace {

// Base64 (with padding, as known_hosts writes it); nullopt when it is not.
std::optional<std::string> from_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  const std::size_t padding = static_cast<std::size_t>(std::count(text.end() - 2, text.end(), '='));
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

// OpenSSH's match_pattern: `*` any run of characters, `?` any one.
bool glob_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern.front() == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (glob_match(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  if (pattern.front() != '?' && pattern.front() != text.front()) return false;
  return glob_match(pattern.substr(1), text.substr(1));
}

// A hashed entry, |1|base64 salt|base64 HMAC-SHA1(salt, name).
bool hashed_match(std::string_view entry, std::string_view name) {
  const std::size_t bar = entry.find('|', 3);
  if (!entry.starts_with("|1|") || bar == std::string_view::npos) return false;
  const auto salt = from_base64(entry.substr(3, bar - 3));
  const auto hash = from_base64(entry.substr(bar + 1));
  if (!salt || !hash) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest,
           &length) == nullptr) {
    return false;
  }
  return std::string_view(reinterpret_cast<const char*>(digest), length) == *hash;
}

// Whether a line's host field names `name`: a pattern list, where a negated match vetoes.
bool hosts_match(std::string_view field, std::string_view name) {
  if (field.starts_with("|1|")) return hashed_match(field, name);
  bool matched = false;
  std::size_t start = 0;
  while (start <= field.size()) {
    const std::size_t comma = std::min(field.find(',', start), field.size());
    std::string_view pattern = field.substr(start, comma - start);
    start = comma + 1;
    const bool negated = pattern.starts_with('!');
    if (negated) pattern.remove_prefix(1);
    std::string lower(pattern);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!glob_match(lower, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
  std::array<std::uint8_t, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

}  // namespace

HostKeyMatch match_known_host(std::string_view known_hosts, std::string_view host, int port,
                              const std::array<std::uint8_t, 32>& key_sha256) {
  std::string name(host);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (port != 22) name = "[" + name + "]:" + std::to_string(port);
  bool for_host = false;
  bool known = false;
  std::istringstream lines{std::string(known_hosts)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string first;
    if (!(fields >> first) || first.starts_with('#')) continue;
    std::string marker;
    if (first.starts_with('@')) {
      marker = first;
      if (!(fields >> first)) continue;
    }
    std::string type;
    std::string key;
    if (!(fields >> type >> key) || !hosts_match(first, name)) continue;
    if (marker == "@cert-authority") continue;  // not supported: trusts nothing
    const auto blob = from_base64(key);
    const bool same = blob && sha256(*blob) == key_sha256;
    if (marker == "@revoked") {
      if (same) return HostKeyMatch::revoked;
      continue;
    }
    for_host = true;
    known = known || same;
  }
  if (known) return HostKeyMatch::known;
  return for_host ? HostKeyMatch::mismatch : HostKeyMatch::unknown;
}

std::string sha256_fingerprint(const std::array<std::uint8_t, 32>& key_sha256) {
  std::string text(45, '\0');  // 4 * ceil(32 / 3) + NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), key_sha256.data(),
                                static_cast<int>(key_sha256.size()));
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=') text.pop_back();
  return "SHA256:" + text;
}

}  // namespace cfsync::daemon
