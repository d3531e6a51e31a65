// cfsync-emulator: a local, stateful Cloudflare API for tests, demos and users' CI.
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/server.hpp"

#include <CLI/CLI.hpp>

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

  try {
    cfsync::emulator::Emulator emulator(std::move(options));
    return cfsync::emulator::serve(emulator, listen);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cfsync-emulator: %s\n", e.what());
    return 1;
  }
}
