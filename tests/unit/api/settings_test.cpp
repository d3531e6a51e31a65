// Where cfsync connects and as whom.
#include "api/settings.hpp"

#include "tests/support/temp_dir.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::api {
namespace {

TEST_CASE("the default base URL") {
  const auto endpoint = parse_base_url(k_default_base_url, false);
  REQUIRE(endpoint);
  CHECK(endpoint->tls);
  CHECK(endpoint->host == "api.cloudflare.com");
  CHECK(endpoint->port == 443);
  CHECK(endpoint->path_prefix == "/client/v4");
  CHECK(endpoint->origin() == "https://api.cloudflare.com");
}

TEST_CASE("plain http is for loopback hosts") {
  for (const char* url : {"http://127.0.0.1:8787", "http://127.3.2.1:1/", "http://localhost:9",
                          "http://[::1]:8080/client/v4/"}) {
    CAPTURE(url);
    const auto endpoint = parse_base_url(url, false);
    REQUIRE(endpoint);
    CHECK_FALSE(endpoint->tls);
  }
  const auto v6 = parse_base_url("http://[::1]:8080/client/v4/", false);
  CHECK(v6->host == "::1");
  CHECK(v6->path_prefix == "/client/v4");
  CHECK(v6->origin() == "http://[::1]:8080");
}

TEST_CASE("plain http elsewhere needs --insecure-http") {
  const auto refused = parse_base_url("http://10.0.0.5:8787", false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind() == ErrorKind::usage);
  CHECK(refused.error().message().find("--insecure-http") != std::string::npos);
  CHECK(parse_base_url("http://10.0.0.5:8787", true));
  CHECK_FALSE(parse_base_url("http://localhost.example.com", false));
}

TEST_CASE("the loopback check, for other URLs cfsync sends to") {
  CHECK(has_loopback_host("http://127.0.0.1:8787/hook"));
  CHECK(has_loopback_host("http://127.9.9.9/"));
  CHECK(has_loopback_host("http://[::1]:1/x?y=z"));
  CHECK(has_loopback_host("http://localhost/"));
  CHECK_FALSE(has_loopback_host("http://10.0.0.5/"));
  CHECK_FALSE(has_loopback_host("http://localhost.example.com/"));
  CHECK_FALSE(has_loopback_host("not a url"));
}

TEST_CASE("URLs that cannot be a base URL") {
  for (const char* url : {"ftp://example.com", "api.cloudflare.com/client/v4", "https://",
                          "https://user:pw@api.cloudflare.com", "https://h/x?q=1", "https://h:0"}) {
    CAPTURE(url);
    CHECK_FALSE(parse_base_url(url, false));
  }
}

TEST_CASE("credential sources in order of precedence") {
  test::TempDir dir;
  const auto file = dir.write("token", "from-file\n");
  const auto systemd = dir.write("creds/cloudflare-api-token", "from-systemd");

  auto credentials = load_credentials({.token_file = file, .env_token = "from-env"});
  REQUIRE(credentials);
  CHECK(credentials->token.reveal() == "from-file");

  credentials =
      load_credentials({.env_token = "from-env", .credentials_directory = dir.path() / "creds"});
  CHECK(credentials->token.reveal() == "from-env");

  credentials = load_credentials({.credentials_directory = dir.path() / "creds",
                                  .env_email = "a@example.com",
                                  .env_key = "k"});
  CHECK(credentials->token.reveal() == "from-systemd");

  credentials = load_credentials({.env_email = "a@example.com", .env_key = "global-key"});
  REQUIRE(credentials);
  CHECK_FALSE(credentials->uses_token());
  CHECK(credentials->email == "a@example.com");
  CHECK(credentials->key.reveal() == "global-key");
}

TEST_CASE("missing or half credentials say what to set, never a value") {
  auto none = load_credentials({});
  REQUIRE_FALSE(none);
  CHECK(none.error().message().find("CLOUDFLARE_API_TOKEN") != std::string::npos);

  auto half = load_credentials({.env_key = "secret-global-key"});
  REQUIRE_FALSE(half);
  CHECK(half.error().message() == "CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not");

  test::TempDir dir;
  const auto empty = dir.write("token", "  \n");
  auto blank = load_credentials({.token_file = empty});
  REQUIRE_FALSE(blank);
  CHECK(blank.error().message().ends_with("is empty"));
}

}  // namespace
}  // namespace cfsync::api
