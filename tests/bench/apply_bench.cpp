// Benchmark: a cold apply of many profiles and documents through latency and a rate limit.
//
//   build/bin/apply_bench [PROFILES [DOCUMENTS [LATENCY_MS [RATE_LIMIT]]]]
//                         (defaults: 200, 2000, 50 and 100000/300s)
//
// Applies PROFILES custom profiles (two regex entries each) and DOCUMENTS AI Search documents
// (1 to 4 KiB each, in one managed instance) to an empty account of the emulator, which answers
// every request LATENCY_MS later and limits the token to RATE_LIMIT (Q/Ws or Q/Wm); cfsync is
// given the same --rate-limit and its default --max-in-flight. Reports the requests made against
// the minimum, the wall time against what latency and the rate limit allow, the 429s received
// (there must be none), cfsync's CPU time and peak RSS, and the no-op plan that follows. Not part
// of the test suite: timings on a shared 2-core machine are not assertions.
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace cfsync::test;
namespace fs = std::filesystem;

constexpr int k_in_flight = 8;  // cfsync's default --max-in-flight

struct Limit {
  double quota = 0;    // Q
  double seconds = 0;  // W
};

// "Q/Ws" or "Q/Wm", as both the emulator and cfsync take it.
Limit parse_limit(const std::string& limit) {
  const std::size_t slash = limit.find('/');
  if (slash == std::string::npos || limit.size() < slash + 3) {
    throw std::invalid_argument("rate limit must be Q/Ws or Q/Wm: " + limit);
  }
  const double requests = std::stod(limit.substr(0, slash));
  double seconds = std::stod(limit.substr(slash + 1, limit.size() - slash - 2));
  if (limit.back() == 'm') {
    seconds *= 60;
  } else if (limit.back() != 's') {
    throw std::invalid_argument("rate limit must be Q/Ws or Q/Wm: " + limit);
  }
  return {requests, seconds};
}

// The configuration, and `documents` Markdown files of 1 to 4 KiB in 100 directories, an hour
// old (so that their digests may be kept in the state directory).
void make_repo(const TempDir& dir, int profiles, int documents) {
  std::string yaml = std::string("account_id: ") + k_account + "\ndlp:\n  profiles:\n";
  for (int i = 0; i < profiles; ++i) {
    const std::string n = std::to_string(i);
    yaml += "    - name: Bench profile " + n + "\n      entries:\n" +
            "        - name: Account number\n          regex: 'ACC" + n + "-[0-9]{8}'\n" +
            "        - name: Ticket number\n          regex: 'TCK" + n + "-[A-Z]{3}-[0-9]{5}'\n";
  }
  yaml +=
      "ai_search:\n  instances:\n    - id: support-docs\n      documents:\n"
      "        - dir: docs\n";
  dir.write("repo/cfsync.yaml", yaml);

  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (int i = 0; i < documents; ++i) {
    const std::size_t size = 1024 + static_cast<std::size_t>(i * 389 % 3072);
    std::string text = "# Document " + std::to_string(i) + "\n\n";
    while (text.size() < size) {
      text += "Support article body text, line " + std::to_string(text.size()) + ".\n";
    }
    const fs::path file = dir.write(
        "repo/docs/section-" + std::to_string(i % 100) + "/doc-" + std::to_string(i) + ".md", text);
    fs::last_write_time(file, old);
  }
}

// The fewest requests a cold apply of this configuration can make. Reads, to learn the live
// state (as the emulator's log shows them): one GET of the profile list, which carries every
// profile's entries (a second read, of the entry list, only comes when it leaves some out), and
// the instance's items, 50 a page, of which an empty instance takes one page. Writes: one POST
// per profile, which creates it with its entries, and one multipart POST per document.
std::size_t minimum_requests(int profiles, int documents) {
  const std::size_t reads = 1 + 1;
  return reads + static_cast<std::size_t>(profiles) + static_cast<std::size_t>(documents);
}

struct Tally {
  std::size_t requests = 0;
  std::size_t reads = 0;  // GET
  std::size_t status_429 = 0;
  std::size_t rate_limited = 0;  // fault "rate-limit": refused by --rate-limit
};

Tally tally(const std::vector<LoggedRequest>& log) {
  Tally out;
  out.requests = log.size();
  for (const LoggedRequest& request : log) {
    if (request.method == "GET") ++out.reads;
    if (request.status == 429) ++out.status_429;
    if (request.fault == "rate-limit") ++out.rate_limited;
  }
  return out;
}

void print_exit(const ProcessResult& result) {
  if (result.exit_code != 0) std::printf("  (exit %d) %s\n", result.exit_code, result.err.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int profiles = argc > 1 ? std::stoi(argv[1]) : 200;
  const int documents = argc > 2 ? std::stoi(argv[2]) : 2000;
  const int latency_ms = argc > 3 ? std::stoi(argv[3]) : 50;
  const std::string rate_limit = argc > 4 ? argv[4] : "100000/300s";
  const Limit limit = parse_limit(rate_limit);

  TempDir dir;
  make_repo(dir, profiles, documents);
  const fs::path fixture = dir.write(
      "fixture.json", R"({"ai_search":{"instances":[{"id":"support-docs","managed":true}]}})");
  // Documents of at most 4 KiB fit the emulator's default body limit (64 MiB) many times over.
  EmulatorProcess emulator({"--fixture", fixture.string(), "--latency-ms",
                            std::to_string(latency_ms), "--rate-limit", rate_limit, "--seed", "1"});
  auto cfsync = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {binary("cfsync")};
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(),
                   {"-c", (dir.path() / "repo").string(), "--api-url", emulator.url(),
                    "--state-dir", (dir.path() / "state").string(), "--rate-limit", rate_limit});
    return run(command, {{"CLOUDFLARE_API_TOKEN", k_token}}, std::chrono::seconds(3600));
  };

  std::printf(
      "cold apply: %d profiles (2 regex entries each), %d documents (1-4 KiB), latency "
      "%d ms, rate limit %s, %d in flight\n",
      profiles, documents, latency_ms, rate_limit.c_str(), k_in_flight);
  emulator.reset_log();
  const ProcessResult apply = cfsync({"apply"});
  const Tally applied = tally(emulator.requests());
  print_exit(apply);

  const std::size_t minimum = minimum_requests(profiles, documents);
  std::printf("  requests   %zu (%zu reads, %zu writes); minimum %zu (2 reads + %d + %d), %+ld\n",
              applied.requests, applied.reads, applied.requests - applied.reads, minimum, profiles,
              documents, static_cast<long>(applied.requests) - static_cast<long>(minimum));
  const double latency_bound =
      static_cast<double>(applied.requests) * latency_ms / 1000.0 / k_in_flight;
  const double rate_bound = static_cast<double>(applied.requests) * limit.seconds / limit.quota;
  const double bound = std::max(latency_bound, rate_bound);
  std::printf(
      "  wall       %.2f s; bound %.2f s = max(latency %.2f s, rate %.2f s); wall/bound "
      "%.2f\n",
      apply.wall_seconds, bound, latency_bound, rate_bound, apply.wall_seconds / bound);
  if (rate_bound > latency_bound && static_cast<double>(applied.requests) <= limit.quota) {
    std::printf(
        "             (no more than Q requests: a fixed window lets them all go at once, "
        "so the rate term is no floor here)\n");
  }
  std::printf("  429s       %zu (%zu of them rate-limit refusals); must be 0\n", applied.status_429,
              applied.rate_limited);
  std::printf("  cfsync     %.2f s CPU, %ld MiB peak RSS\n", apply.cpu_seconds,
              apply.peak_rss_kib / 1024);

  emulator.reset_log();
  const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
  const Tally planned = tally(emulator.requests());
  std::printf("  then plan  exit %d (%s), %zu requests, %zu 429s, %.2f s\n", plan.exit_code,
              plan.exit_code == 0 ? "converged" : "NOT converged", planned.requests,
              planned.status_429, plan.wall_seconds);
  print_exit(plan);
  return 0;
}
