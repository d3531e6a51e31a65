#include "api/settings.hpp"

#include "reconcile/file.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <fstream>
#include <sstream>

namespace cfsync::api {

namespace fs = std::filesystem;

namespace {

bool is_loopback(const boost::urls::url_view& url) {
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
      return url.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6:
      return url.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name:
      return url.host_name() == "localhost";
    default:
      return false;
  }
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

Result<Sensitive> read_token_file(const fs::path& path, std::string_view source) {
  const Result<std::string> content = read_file(path);
  if (!content) {
    return Error(ErrorKind::io,
                 std::string(source) + ": cannot read API token file \"" + path.string() + "\"");
  }
  std::string token = trimmed(*content);
  if (token.empty()) {
    return Error(ErrorKind::usage,
                 std::string(source) + ": API token file \"" + path.string() + "\" is empty");
  }
  return Sensitive(std::move(token));
}

}  // namespace

std::string Endpoint::origin() const {
  const bool default_port = port == (tls ? 443 : 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out = tls ? "https://" : "http://";
  out += ipv6 ? "[" + host + "]" : host;
  if (!default_port) out += ":" + std::to_string(port);
  return out;
}

bool has_loopback_host(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  return parsed && is_loopback(*parsed);
}

Result<Endpoint> parse_base_url(std::string_view text, bool allow_insecure_http) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return Error(ErrorKind::usage, "API URL \"" + std::string(text) +
                                       "\" is not a valid URL: " + parsed.error().message());
  }
  const boost::urls::url_view url = *parsed;
  Endpoint endpoint;
  if (url.scheme_id() == boost::urls::scheme::https) {
    endpoint.tls = true;
  } else if (url.scheme_id() == boost::urls::scheme::http) {
    endpoint.tls = false;
    if (!is_loopback(url) && !allow_insecure_http) {
      return Error(ErrorKind::usage,
                   "API URL \"" + std::string(text) +
                       "\" uses plain http:// to a host that is not loopback; the API token "
                       "would cross the network unencrypted (use https://, or pass "
                       "--insecure-http if you really mean it)");
    }
  } else {
    return Error(ErrorKind::usage,
                 "API URL \"" + std::string(text) + "\" must start with https:// or http://");
  }
  if (url.has_userinfo() || url.has_query() || url.has_fragment()) {
    return Error(ErrorKind::usage, "API URL \"" + std::string(text) +
                                       "\" must not carry credentials, a query or a fragment");
  }
  endpoint.host = url.host_address();
  if (endpoint.host.empty()) {
    return Error(ErrorKind::usage, "API URL \"" + std::string(text) + "\" has no host");
  }
  endpoint.port = url.has_port() ? url.port_number() : (endpoint.tls ? 443 : 80);
  if (url.has_port() && endpoint.port == 0) {
    return Error(ErrorKind::usage, "API URL \"" + std::string(text) + "\" has an invalid port");
  }
  endpoint.path_prefix = std::string(url.encoded_path());
  while (!endpoint.path_prefix.empty() && endpoint.path_prefix.back() == '/') {
    endpoint.path_prefix.pop_back();
  }
  return endpoint;
}

Result<Credentials> load_credentials(const CredentialSources& sources) {
  Credentials credentials;
  if (sources.token_file) {
    CFSYNC_TRY(credentials.token, read_token_file(*sources.token_file, "--token-file"));
    return credentials;
  }
  if (sources.env_token && !sources.env_token->empty()) {
    credentials.token = Sensitive(trimmed(*sources.env_token));
    return credentials;
  }
  if (sources.credentials_directory) {
    const fs::path file = *sources.credentials_directory / "cloudflare-api-token";
    std::error_code ec;
    if (fs::exists(file, ec)) {
      CFSYNC_TRY(credentials.token, read_token_file(file, "$CREDENTIALS_DIRECTORY"));
      return credentials;
    }
  }
  const bool has_email = sources.env_email && !sources.env_email->empty();
  const bool has_key = sources.env_key && !sources.env_key->empty();
  if (has_email && has_key) {
    credentials.email = trimmed(*sources.env_email);
    credentials.key = Sensitive(trimmed(*sources.env_key));
    return credentials;
  }
  if (has_email != has_key) {
    return Error(ErrorKind::usage, has_email
                                       ? "CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is not"
                                       : "CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not");
  }
  return Error(ErrorKind::usage,
               "no Cloudflare credentials: set CLOUDFLARE_API_TOKEN, pass --token-file PATH, "
               "provide the systemd credential cloudflare-api-token, or set CLOUDFLARE_EMAIL "
               "and CLOUDFLARE_API_KEY");
}

}  // namespace cfsync::api
