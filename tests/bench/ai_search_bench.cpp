// Benchmark: AI Search documents at scale, against the emulator on loopback.
//
//   build/bin/ai_search_bench [DOCUMENTS [UPLOADS]]     (defaults: 10000 and 1000)
//
// Measures, for the real cfsync binary: a first upload of UPLOADS documents, and a no-op plan
// over DOCUMENTS documents, cold (no state directory: every file hashed) and warm (digests
// from the state directory); then `cfsync export --with-documents` of those DOCUMENTS (one and
// eight downloads in flight) and a plan of what it wrote. Reports requests, wall and CPU seconds,
// and peak RSS. Not part of the test suite: timings on a shared 2-core machine are not assertions.
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

using namespace cfsync::test;
namespace fs = std::filesystem;

constexpr const char* k_no_limit = "1000000/300s";

struct Setup {
  TempDir dir;
  fs::path repo;
  fs::path state;
};

// `count` Markdown files of about 1 KiB in 100 directories, an hour old.
void make_documents(const Setup& setup, int count) {
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (int i = 0; i < count; ++i) {
    std::string text = "# Document " + std::to_string(i) + "\n\n";
    while (text.size() < 1000)
      text += "Support article body text, line " + std::to_string(text.size()) + ".\n";
    const fs::path file = setup.dir.write(
        "repo/docs/section-" + std::to_string(i % 100) + "/doc-" + std::to_string(i) + ".md", text);
    fs::last_write_time(file, old);
  }
  setup.dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account +
                                          "\nai_search:\n  instances:\n    - id: support-docs\n"
                                          "      documents:\n        - dir: docs\n");
}

ProcessResult run_cfsync(const Setup& setup, const EmulatorProcess& emulator,
                         std::vector<std::string> args, bool with_state) {
  std::vector<std::string> argv = {binary("cfsync")};
  argv.insert(argv.end(), args.begin(), args.end());
  // The emulator does not limit the rate: pacing is apply_bench's subject, not this one's.
  argv.insert(argv.end(),
              {"-c", setup.repo.string(), "--api-url", emulator.url(), "--rate-limit", k_no_limit});
  if (with_state) argv.insert(argv.end(), {"--state-dir", setup.state.string()});
  return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}}, std::chrono::seconds(3600));
}

void report(const char* what, const ProcessResult& result, std::size_t requests) {
  std::printf("%-44s %9zu %9.2f %9.2f %10ld\n", what, requests, result.wall_seconds,
              result.cpu_seconds, result.peak_rss_kib / 1024);
  if (result.exit_code != 0) std::printf("  (exit %d) %s\n", result.exit_code, result.err.c_str());
}

EmulatorProcess start_emulator(const Setup& setup) {
  const fs::path fixture = setup.dir.write(
      "fixture.json", R"({"ai_search":{"instances":[{"id":"support-docs","managed":true}]}})");
  return EmulatorProcess({"--fixture", fixture.string()});
}

}  // namespace

int main(int argc, char** argv) {
  const int documents = argc > 1 ? std::stoi(argv[1]) : 10'000;
  const int uploads = argc > 2 ? std::stoi(argv[2]) : 1'000;
  std::printf("%-44s %9s %9s %9s %10s\n", "", "requests", "wall s", "CPU s", "peak MiB");

  {
    Setup setup;
    setup.repo = setup.dir.path() / "repo";
    setup.state = setup.dir.path() / "state";
    make_documents(setup, uploads);
    EmulatorProcess emulator = start_emulator(setup);
    const ProcessResult first = run_cfsync(setup, emulator, {"apply"}, true);
    report(("first upload of " + std::to_string(uploads) + " documents").c_str(), first,
           emulator.requests().size());
  }
  {
    Setup setup;
    setup.repo = setup.dir.path() / "repo";
    setup.state = setup.dir.path() / "state";
    make_documents(setup, documents);
    EmulatorProcess emulator = start_emulator(setup);
    const ProcessResult seeded = run_cfsync(setup, emulator, {"apply"}, false);
    report(("(setup: upload of " + std::to_string(documents) + ")").c_str(), seeded, documents + 1);
    const std::pair<bool, const char*> runs[] = {{false, "no state directory"},
                                                 {true, "state directory, filled"},
                                                 {true, "state directory, cached"}};
    for (const auto& [with_state, label] : runs) {
      emulator.reset_log();
      const ProcessResult plan =
          run_cfsync(setup, emulator, {"plan", "--detailed-exitcode"}, with_state);
      report(("no-op plan over " + std::to_string(documents) + ", " + label).c_str(), plan,
             emulator.requests().size());
    }
    // Adopting the instance: every item downloaded, then a plan of what was written.
    for (const char* in_flight : {"1", "8"}) {
      emulator.reset_log();
      const fs::path out = setup.dir.path() / ("exported-" + std::string(in_flight));
      const ProcessResult exported = run(
          std::vector<std::string>{binary("cfsync"), "export", "--account", k_account, "--dir",
                                   out.string(), "--with-documents", "--max-in-flight", in_flight,
                                   "--api-url", emulator.url(), "--rate-limit", k_no_limit},
          {{"CLOUDFLARE_API_TOKEN", k_token}}, std::chrono::seconds(3600));
      report(("export --with-documents, " + std::string(in_flight) + " in flight").c_str(),
             exported, emulator.requests().size());
    }
    emulator.reset_log();
    Setup adopted;
    adopted.repo = setup.dir.path() / "exported-8";
    const ProcessResult plan =
        run_cfsync(adopted, emulator, {"plan", "--detailed-exitcode"}, false);
    report("plan of the exported configuration", plan, emulator.requests().size());
  }
  return 0;
}
