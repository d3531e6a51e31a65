// How cfsync reaches the API: where, as whom, and within which limits.
#pragma once

#include "reconcile/result.hpp"
#include "reconcile/sensitive.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cfsync::api {

inline constexpr std::string_view k_default_base_url = "https://api.cloudflare.com/client/v4";

// The base URL taken apart. http:// is accepted for loopback hosts only, unless allowed.
struct Endpoint {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
  std::string path_prefix;  // "/client/v4", no trailing slash

  [[nodiscard]] std::string origin() const;  // "https://api.cloudflare.com"
};

[[nodiscard]] Result<Endpoint> parse_base_url(std::string_view url, bool allow_insecure_http);

// Whether the URL's host is loopback (an address in 127.0.0.0/8, ::1, or "localhost"): where
// parse_base_url lets http:// go, and --notify too. False for what is not a URL.
[[nodiscard]] bool has_loopback_host(std::string_view url);

struct Credentials {
  // Exactly one scheme is set: a token (Authorization: Bearer), or an email and a global key.
  Sensitive token;
  std::string email;
  Sensitive key;

  [[nodiscard]] bool uses_token() const { return !token.empty(); }
};

// Where credentials may come from, first match wins: the token file named on the command line,
// CLOUDFLARE_API_TOKEN, systemd's $CREDENTIALS_DIRECTORY/cloudflare-api-token, then
// CLOUDFLARE_EMAIL with CLOUDFLARE_API_KEY.
struct CredentialSources {
  std::optional<std::filesystem::path> token_file;
  std::optional<std::string> env_token;
  std::optional<std::filesystem::path> credentials_directory;
  std::optional<std::string> env_email;
  std::optional<std::string> env_key;
};

// The error names where a credential was looked for, never what it holds.
[[nodiscard]] Result<Credentials> load_credentials(const CredentialSources& sources);

struct ClientSettings {
  Endpoint endpoint;
  Credentials credentials;
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  // Extra trusted certificates (PEM) on top of the system store, for TLS-inspecting proxies.
  std::optional<std::filesystem::path> ca_file;
  std::string user_agent = "cfsync";
};

}  // namespace cfsync::api
