// cfsync-emulator: a local, stateful Cloudflare API for tests, demos and users' CI.
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/server.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  cfsync::emulator::Options options;
  std::string listen = "127.0.0.1:8787";
  std::string token, email, key, state_file;

  CLI::App app{"A local stand-in for the Cloudflare API endpoints cfsync uses.", "cfsync-emulator"};
  app.add_option("--listen", listen, "ADDRESS:PORT to serve on; port 0 picks a free one")
      ->capture_default_str();
  app.add_option("--token", token, "Accept this API token (Authorization: Bearer)");
  app.add_option("--email", email, "Accept this X-Auth-Email (with --key)");
  app.add_option("--key", key, "Accept this X-Auth-Key (with --email)");
  app.add_option("--account", options.accounts, "An account that exists (repeatable)")->required();
  app.add_option("--state", state_file, "Load state from FILE at start; save it on every change");
  std::string fixture;
  app.add_option("--fixture", fixture,
                 "What exists before cfsync runs, as the dashboard would make it (JSON: "
                 "{\"ai_search\": {\"instances\": [{\"namespace\", \"id\", \"managed\"}]}, "
                 "\"dlp\": {\"datasets\": [{\"name\", \"encoding_version\", \"columns\"}]}})")
      ->check(CLI::ExistingFile);
  app.add_option("--item-checksum", options.item_checksum, "How AI Search item checksums are made")
      ->check(CLI::IsMember({"md5", "sha1", "sha256"}))
      ->capture_default_str();
  app.add_option("--index-delay-ms", options.index_delay_ms,
                 "How long an uploaded item takes to index: queued, then running, then done")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--index-error-pattern", options.index_error_pattern,
                 "Items whose key matches this glob (fnmatch, * matches /) end in error");
  app.add_option("--dataset-delay-ms", options.dataset_delay_ms,
                 "How long a DLP dataset upload takes: uploading, then processing, then done")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option(
      "--dataset-fail-pattern", options.dataset_fail_pattern,
      "DLP dataset uploads with a line (cell) matching this glob (fnmatch) end in failed");
  std::size_t max_body_mib = 64;
  app.add_option("--max-body-mib", max_body_mib,
                 "The largest request body accepted, in MiB; a larger one closes the connection")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (token.empty() && (email.empty() || key.empty())) {
    std::fprintf(stderr, "cfsync-emulator: give --token, or --email and --key\n");
    return 2;
  }
  if (!token.empty()) options.token = token;
  if (!email.empty()) options.email = email;
  if (!key.empty()) options.key = key;
  if (!state_file.empty()) options.state_file = state_file;
  if (!fixture.empty()) options.fixture_file = fixture;

  try {
    cfsync::emulator::Emulator emulator(std::move(options));
    return cfsync::emulator::serve(emulator, listen, max_body_mib << 20);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cfsync-emulator: %s\n", e.what());
    return 1;
  }
}
