// cfsync-emulator: a local, stateful Cloudflare API for tests, demos and users' CI.
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/server.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <random>
#include <string>

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
  app.add_option("--item-checksum", options.item_checksum,
                 "How AI Search item checksums are made (opaque: not a hex digest)")
      ->check(CLI::IsMember({"md5", "sha1", "sha256", "opaque"}))
      ->capture_default_str();
  app.add_option("--item-delete-delay-ms", options.item_delete_delay_ms,
                 "A deleted item keeps its key (next_action DELETE; uploads of it get 409) this "
                 "long")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_flag("--item-null-sizes", options.item_null_sizes,
               "AI Search items are answered with file_size null (the spec allows it)");
  app.add_flag("--item-builtin-metadata", options.item_builtin_metadata,
               "AI Search items also carry the metadata the server sets: filename, folder, "
               "timestamp");
  app.add_option("--instance-ready-ms", options.instance_ready_ms,
                 "A new AI Search instance is waiting (item uploads get 409) this long, then "
                 "ready")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--instance-put", options.instance_put,
                 "What an AI Search instance PUT does with the fields it leaves out: keep their "
                 "values, or reset them to the spec's defaults")
      ->check(CLI::IsMember({"keep", "reset"}))
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
  app.add_flag("--dataset-omit-case-sensitive", options.dataset_omit_case_sensitive,
               "DLP dataset answers leave case_sensitive out (the spec does not require it)");
  app.add_option("--dataset-put-without-case-sensitive", options.dataset_put_without_case_sensitive,
                 "What a custom word list's PUT without case_sensitive does: keep the value, "
                 "refuse the request (400), or set it false")
      ->check(CLI::IsMember({"keep", "refuse", "false"}))
      ->capture_default_str();
  std::size_t max_body_mib = 64;
  app.add_option("--max-body-mib", max_body_mib,
                 "The largest request body accepted, in MiB; a larger one closes the connection")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
      ->capture_default_str();
  // Disturbances for testing a client's retries and pacing (README.md).
  app.add_option("--latency-ms", options.latency_ms,
                 "Every API request is answered this many milliseconds after it arrives")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--latency-jitter-ms", options.latency_jitter_ms,
                 "Plus a uniform random 0 to this many milliseconds")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  std::string rate_limit;
  app.add_option("--rate-limit", rate_limit,
                 "At most REQUESTS per window per credential, then all are refused (429) for a "
                 "window: REQUESTS/SECONDSs or REQUESTS/MINUTESm, e.g. 1200/5m");
  std::string faults;
  app.add_option("--faults", faults,
                 "Per API request probabilities of faults, e.g. 429=0.05,500=0.05,503=0.02,"
                 "reset=0.02,reset-after-commit=0.02,slow=0.01,truncate=0.01");
  app.add_option("--slow-ms", options.slow_ms,
                 "How much later than the latency the answer of a \"slow\" fault comes")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  std::uint64_t seed = 0;
  CLI::Option* seed_option = app.add_option(
      "--seed", seed, "Seeds faults, latency jitter and ids, so that a run can be repeated");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::string problem;
  if (!rate_limit.empty()) {
    options.rate_limit = cfsync::emulator::parse_rate_limit(rate_limit, problem);
    if (!options.rate_limit) {
      std::fprintf(stderr, "cfsync-emulator: --rate-limit: %s\n", problem.c_str());
      return 2;
    }
  }
  const std::optional<cfsync::emulator::FaultSpec> fault_spec =
      cfsync::emulator::parse_fault_spec(faults, problem);
  if (!fault_spec) {
    std::fprintf(stderr, "cfsync-emulator: --faults: %s\n", problem.c_str());
    return 2;
  }
  options.faults = *fault_spec;
  if (*seed_option) {
    options.seed = seed;
  } else {
    // Shown so that a run whose faults or jitter exposed a bug can be repeated.
    std::random_device device;
    options.seed = (std::uint64_t{device()} << 32) | device();
    if (!options.faults.empty() || options.latency_jitter_ms > 0) {
      std::fprintf(stderr, "cfsync-emulator: drawing faults and jitter with --seed %llu\n",
                   static_cast<unsigned long long>(*options.seed));
    }
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
