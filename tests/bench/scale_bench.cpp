// Benchmark: cfsync at scale, the three runs a user sees, through the emulator's latency.
//
//   build/bin/scale_bench PROFILES DOCS LATENCY_MS        (e.g. 1000 10000 50)
//
// Declares PROFILES custom DLP profiles (two regex entries each) and one managed AI Search
// instance (made by the emulator's --fixture, as the dashboard would) holding DOCS Markdown
// documents of about 1 KiB, and runs the real cfsync binary, with --max-in-flight 8 (its default)
// and one state directory, against the emulator answering every request LATENCY_MS later:
//   1. a cold apply (every profile and document created),
//   2. a no-op plan (--detailed-exitcode),
//   3. a one-change apply (one document edited),
//   4. with PROFILES > 0, an apply that adds 199 entries to one existing profile.
// For each it prints one row: exit code, requests made (the emulator's request log) against the
// minimum computed from the configuration (minimum_requests below), wall time against the bound
// requests x LATENCY_MS / 8 in flight, wall/bound, and cfsync's CPU seconds (user + system) and
// peak RSS (wait4). The rate limit, on the emulator and in cfsync, is far above what the runs
// need, so that only latency paces them.
//
// Exits 1 when a run fails, when the plan is not a no-op, or when a run makes more or fewer
// requests than the minimum: those are correctness checks. Timings are not asserted: they are
// noisy on a shared machine. Not part of the test suite.
#include "api/ai_search.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace cfsync::test;
namespace fs = std::filesystem;

constexpr int k_in_flight = 8;  // cfsync's default --max-in-flight (daemon/cli.hpp)
// Far above what any run here asks for (11,002 requests for 1000 profiles and 10,000 documents),
// on both sides: the emulator never refuses, and cfsync's pacer never waits.
constexpr const char* k_rate_limit = "1000000/300s";
constexpr const char* k_instance = "support-docs";

struct Sizes {
  int profiles = 0;
  int documents = 0;
  int latency_ms = 0;
};

fs::path document_path(int i) {
  return fs::path("repo/docs/section-" + std::to_string(i % 100)) /
         ("doc-" + std::to_string(i) + ".md");
}

// Entries the last run adds to the first profile, which exists by then: each is one create, and
// they may run side by side.
constexpr int k_added_entries = 199;

// The configuration: PROFILES profiles of two entries, the first with `added` more.
std::string config_yaml(const Sizes& sizes, int added) {
  std::string yaml = std::string("account_id: ") + k_account + "\n";
  if (sizes.profiles > 0) yaml += "dlp:\n  profiles:\n";
  for (int i = 0; i < sizes.profiles; ++i) {
    const std::string n = std::to_string(i);
    yaml += "    - name: Scale profile " + n + "\n      entries:\n" +
            "        - name: Account number\n          regex: 'ACC" + n + "-[0-9]{8}'\n" +
            "        - name: Ticket number\n          regex: 'TCK" + n + "-[A-Z]{3}-[0-9]{5}'\n";
    for (int e = 0; i == 0 && e < added; ++e) {
      yaml += "        - name: Code " + std::to_string(e) + "\n          regex: 'C" +
              std::to_string(e) + "-[0-9]{6}'\n";
    }
  }
  yaml += std::string("ai_search:\n  instances:\n    - id: ") + k_instance +
          "\n      documents:\n        - dir: docs\n";
  return yaml;
}

// The configuration, and the documents: about 1 KiB each, in 100 directories, an hour old (so
// that the state directory may keep their digests).
void make_repo(const TempDir& dir, const Sizes& sizes) {
  dir.write("repo/cfsync.yaml", config_yaml(sizes, 0));

  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (int i = 0; i < sizes.documents; ++i) {
    std::string text = "# Document " + std::to_string(i) + "\n\n";
    while (text.size() < 1000) {
      text += "Support article body text, line " + std::to_string(text.size()) + ".\n";
    }
    fs::last_write_time(dir.write(document_path(i).string(), text), old);
  }
}

// Requests, split as the emulator's log shows them.
struct Count {
  std::size_t reads = 0;   // GET
  std::size_t writes = 0;  // anything else
  [[nodiscard]] std::size_t total() const { return reads + writes; }
};

// Pages of the instance's item listing when it holds `items` items: cfsync lists them
// k_items_per_page (50) at a time, one page after another, and stops at a short page, or at a
// full one once it has read the total_count the API reports (the emulator reports it right):
// ceil(items / 50) pages, and one (empty) page for an empty instance.
std::size_t item_pages(std::size_t items) {
  const auto per_page = static_cast<std::size_t>(cfsync::api::k_items_per_page);
  return items == 0 ? 1 : (items + per_page - 1) / per_page;
}

enum class Step { cold_apply, noop_plan, one_change_apply, entries_apply };

// The fewest requests each run can make, from the configuration and what the account holds
// before it (read from the code: api/provider_profiles.cpp, api/provider_ai_search.cpp).
// Reads (populate, the same for plan and apply): one GET of the profile list, not paginated,
// which carries every custom profile with its entries (when profiles are declared; the entry
// list is read only when the profile list leaves entries out), then the instance's item pages.
// No settings are declared, so the settings are not read. Writes: one POST per profile (created
// with its entries in the same request) and one multipart POST per document; an edited
// document is a DELETE of the old item and a POST of the new one, as items are never
// overwritten. Without --wait, apply does not read the items again for indexing.
//   cold apply:        reads 1 + 1 (the empty instance)   writes PROFILES + DOCS
//   no-op plan:        reads 1 + ceil(DOCS / 50)          writes 0
//   one-change apply:  reads 1 + ceil(DOCS / 50)          writes 2
//   entries apply:     reads 1 + ceil(DOCS / 50)          writes 199 (a POST per entry)
Count minimum_requests(Step step, const Sizes& sizes) {
  const std::size_t profile_reads = sizes.profiles > 0 ? 1 : 0;
  const auto documents = static_cast<std::size_t>(sizes.documents);
  switch (step) {
    case Step::cold_apply:
      return {profile_reads + item_pages(0), static_cast<std::size_t>(sizes.profiles) + documents};
    case Step::noop_plan:
      return {profile_reads + item_pages(documents), 0};
    case Step::one_change_apply:
      return {profile_reads + item_pages(documents), 2};
    case Step::entries_apply:
      return {profile_reads + item_pages(documents), k_added_entries};
  }
  std::abort();
}

Count count(const std::vector<LoggedRequest>& log) {
  Count out;
  for (const LoggedRequest& request : log) {
    if (request.method == "GET") {
      ++out.reads;
    } else {
      ++out.writes;
    }
  }
  return out;
}

struct Row {
  const char* name;
  int expected_exit;  // what a successful run exits with
  ProcessResult result;
  Count made;
  Count minimum;
};

void print_row(const Row& row, int latency_ms) {
  const double bound = static_cast<double>(row.made.total()) * latency_ms / 1000.0 / k_in_flight;
  char ratio[16] = "-";
  if (bound > 0) std::snprintf(ratio, sizeof ratio, "%.2f", row.result.wall_seconds / bound);
  std::printf("%-18s %4d %9zu %9zu %6zu %7zu %8.2f %8.2f %10s %7.2f %9ld\n", row.name,
              row.result.exit_code, row.made.total(), row.minimum.total(), row.made.reads,
              row.made.writes, row.result.wall_seconds, bound, ratio, row.result.cpu_seconds,
              row.result.peak_rss_kib / 1024);
}

// What is wrong with a run, printed under the table; false when nothing is.
bool report_problems(const Row& row) {
  bool wrong = false;
  if (row.result.exit_code != row.expected_exit) {
    std::printf("FAIL %s: exit %d, expected %d\n%s", row.name, row.result.exit_code,
                row.expected_exit, row.result.err.c_str());
    wrong = true;
  }
  if (row.made.reads != row.minimum.reads || row.made.writes != row.minimum.writes) {
    std::printf("FAIL %s: %zu reads and %zu writes, the minimum is %zu and %zu\n", row.name,
                row.made.reads, row.made.writes, row.minimum.reads, row.minimum.writes);
    wrong = true;
  }
  return wrong;
}

int usage() {
  std::fprintf(stderr,
               "usage: scale_bench PROFILES DOCS LATENCY_MS   (e.g. scale_bench 1000 10000 50)\n"
               "  PROFILES >= 0 custom profiles, DOCS >= 1 documents, LATENCY_MS >= 0\n");
  return 2;
}

int bench(const Sizes& sizes) {
  TempDir dir;
  make_repo(dir, sizes);
  const fs::path fixture =
      dir.write("fixture.json", std::string(R"({"ai_search":{"instances":[{"id":")") + k_instance +
                                    R"(","managed":true}]}})");
  EmulatorProcess emulator({"--fixture", fixture.string(), "--latency-ms",
                            std::to_string(sizes.latency_ms), "--rate-limit", k_rate_limit,
                            "--seed", "1"});
  auto cfsync = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {binary("cfsync")};
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(),
                   {"-c", (dir.path() / "repo").string(), "--api-url", emulator.url(),
                    "--state-dir", (dir.path() / "state").string(), "--max-in-flight",
                    std::to_string(k_in_flight), "--rate-limit", k_rate_limit});
    return run(command, {{"CLOUDFLARE_API_TOKEN", k_token}}, std::chrono::seconds(3600));
  };
  // Each run starts with an empty request log, and is counted from it.
  auto step = [&](const char* name, Step which, int expected_exit, std::vector<std::string> args) {
    emulator.reset_log();
    ProcessResult result = cfsync(std::move(args));
    return Row{name, expected_exit, std::move(result), count(emulator.requests()),
               minimum_requests(which, sizes)};
  };

  std::printf(
      "scale: %d profiles (2 regex entries each), %d documents (~1 KiB) in one AI Search "
      "instance;\n       latency %d ms per request, %d in flight, rate limit %s (emulator and "
      "cfsync)\n\n",
      sizes.profiles, sizes.documents, sizes.latency_ms, k_in_flight, k_rate_limit);

  std::vector<Row> rows;
  rows.push_back(step("cold apply", Step::cold_apply, 0, {"apply"}));
  // --detailed-exitcode: 0 when there is nothing to do, 2 when there are changes.
  rows.push_back(step("no-op plan", Step::noop_plan, 0, {"plan", "--detailed-exitcode"}));
  // One document rewritten: a new size and checksum, so one replace (delete, then upload).
  const int edited = sizes.documents / 2;
  dir.write(document_path(edited).string(),
            "# Document " + std::to_string(edited) + " (edited)\n\nOne new line.\n");
  rows.push_back(step("one-change apply", Step::one_change_apply, 0, {"apply"}));
  if (sizes.profiles > 0) {
    dir.write("repo/cfsync.yaml", config_yaml(sizes, k_added_entries));
    rows.push_back(step("199 entries apply", Step::entries_apply, 0, {"apply"}));
  }

  std::printf("%-18s %4s %9s %9s %6s %7s %8s %8s %10s %7s %9s\n", "", "exit", "requests", "minimum",
              "reads", "writes", "wall s", "bound s", "wall/bound", "CPU s", "peak MiB");
  for (const Row& row : rows) print_row(row, sizes.latency_ms);
  std::printf(
      "\nbound = requests x %d ms / %d in flight. An instance's item pages after the first are\n"
      "read side by side once the first gives the count: a read-only run waits for page 1 first.\n",
      sizes.latency_ms, k_in_flight);
  std::printf(
      "minimum: cold apply %zu reads + %d profiles + %d documents; plan %zu reads "
      "(%zu item pages of %d); one change %zu reads + 2 writes (delete, upload)\n",
      rows[0].minimum.reads, sizes.profiles, sizes.documents, rows[1].minimum.reads,
      item_pages(static_cast<std::size_t>(sizes.documents)), cfsync::api::k_items_per_page,
      rows[2].minimum.reads);

  bool wrong = false;
  for (const Row& row : rows) wrong = report_problems(row) || wrong;
  std::printf("%s\n", wrong ? "FAILED"
                            : "ok: every run succeeded, the plan was a no-op, and "
                              "every run made the minimum number of requests");
  return wrong ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return usage();
  Sizes sizes;
  try {
    sizes = {std::stoi(argv[1]), std::stoi(argv[2]), std::stoi(argv[3])};
  } catch (const std::exception&) {
    return usage();
  }
  if (sizes.profiles < 0 || sizes.documents < 1 || sizes.latency_ms < 0) return usage();
  try {
    return bench(sizes);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "scale_bench: %s\n", error.what());
    return 1;
  }
}
