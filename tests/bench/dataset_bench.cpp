// Benchmark: a large EDM dataset, against the emulator on loopback.
//
//   build/bin/dataset_bench [MIB]     (default: 1024, a 1 GiB CSV file of three columns)
//
// Measures, for the real cfsync binary: validate (the scan alone: SHA-256, UTF-8, CSV shape
// and counts; validate writes no scan cache), the first apply (the scan, a new version, its three
// columns streamed from the file, and the wait for processing), and the no-op plan that follows,
// whose scan comes from the state directory's cache. Reports requests, wall and CPU seconds, and
// peak RSS, which must not grow with the file (the target is under 64 MiB). Then, in this
// process, the CPU seconds of one scan and of each column's read as its upload body makes it
// (the apply reads the file once per column). Not part of the test suite: timings on a shared
// 2-core machine are not assertions.
#include "api/body_source.hpp"
#include "config/dataset_scan.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

using namespace cfsync::test;
namespace fs = std::filesystem;

// email,account,phone rows up to `bytes`; returns the row count.
std::uint64_t make_csv(const fs::path& file, std::uint64_t bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  std::string chunk = "email,account,phone\n";
  std::uint64_t written = 0;
  std::uint64_t rows = 0;
  char row[96];
  while (written + chunk.size() < bytes) {
    const int length =
        std::snprintf(row, sizeof row, "user%llu@example.com,AC-%08llu,+1-555-%04llu\n",
                      static_cast<unsigned long long>(rows), static_cast<unsigned long long>(rows),
                      static_cast<unsigned long long>(rows % 10'000));
    chunk.append(row, static_cast<std::size_t>(length));
    ++rows;
    if (chunk.size() >= (1 << 20)) {
      out << chunk;
      written += chunk.size();
      chunk.clear();
    }
  }
  out << chunk;
  return rows;
}

// CPU seconds this process has used.
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The CPU seconds of `work`, in this process.
template <class Work>
double cpu_of(Work&& work) {
  const double start = cpu_seconds();
  work();
  return cpu_seconds() - start;
}

// Every byte of `source`, as the HTTP transport would send it; the bytes read.
std::uint64_t drain(const cfsync::api::BodySource& source) {
  auto reader = source.open();
  if (!reader) return 0;
  std::array<char, 64 * 1024> buffer;
  std::uint64_t total = 0;
  for (;;) {
    auto got = (*reader)->read(buffer);
    if (!got || *got == 0) return total;
    total += *got;
  }
}

void report(const char* what, const ProcessResult& result, std::size_t requests) {
  std::printf("%-40s %9zu %9.2f %9.2f %10ld\n", what, requests, result.wall_seconds,
              result.cpu_seconds, result.peak_rss_kib / 1024);
  if (result.exit_code != 0) std::printf("  (exit %d) %s\n", result.exit_code, result.err.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t mib = argc > 1 ? std::stoull(argv[1]) : 1024;
  TempDir dir;
  const fs::path repo = dir.path() / "repo";
  const std::uint64_t rows = make_csv(repo / "data/customers.csv", mib << 20);
  dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account +
                                    "\ndlp:\n  datasets:\n    - name: customer-records\n"
                                    "      kind: edm\n      file: data/customers.csv\n");
  const fs::path fixture = dir.write(
      "fixture.json", R"({"dlp":{"datasets":[{"name":"customer-records",)"
                      R"("encoding_version":2,"columns":["email","account","phone"]}]}})");
  // The largest column body must fit the emulator, which holds a body in memory.
  EmulatorProcess emulator({"--fixture", fixture.string(), "--max-body-mib",
                            std::to_string(std::max<std::uint64_t>(64, mib))});
  auto cfsync = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {binary("cfsync")};
    command.insert(command.end(), args.begin(), args.end());
    command.insert(command.end(), {"-c", repo.string(), "--api-url", emulator.url(), "--state-dir",
                                   (dir.path() / "state").string(), "--request-timeout", "10m"});
    return run(command, {{"CLOUDFLARE_API_TOKEN", k_token}}, std::chrono::seconds(3600));
  };

  std::printf("EDM file: %llu MiB, %llu rows of 3 columns\n\n",
              static_cast<unsigned long long>(mib), static_cast<unsigned long long>(rows));
  std::printf("%-40s %9s %9s %9s %10s\n", "", "requests", "wall s", "CPU s", "peak MiB");
  const ProcessResult validate = cfsync({"validate"});
  report("validate (scan: SHA-256, UTF-8, CSV)", validate, 0);
  emulator.reset_log();
  const ProcessResult apply = cfsync({"apply"});
  report("apply: new version, 3 columns streamed", apply, emulator.requests().size());
  emulator.reset_log();
  const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
  report("no-op plan (scan cached, one read)", plan, emulator.requests().size());

  std::printf("\n%-40s %9s %9s\n", "in this process", "MiB", "CPU s");
  const fs::path file = repo / "data/customers.csv";
  cfsync::Result<cfsync::DatasetFile> scanned = cfsync::Error(cfsync::ErrorKind::io, "not scanned");
  const double scan_cpu = cpu_of([&] {
    scanned = cfsync::config::scan_dataset(file, "customers.csv", cfsync::DatasetKind::edm);
  });
  if (!scanned) {
    std::printf("scan failed: %s\n", scanned.error().message().c_str());
    return 1;
  }
  std::printf("%-40s %9llu %9.2f\n", "scan (SHA-256, UTF-8, CSV, counts)",
              static_cast<unsigned long long>(scanned->size >> 20), scan_cpu);
  for (std::size_t i = 0; i < scanned->columns.size(); ++i) {
    const cfsync::DatasetColumn& column = scanned->columns[i];
    std::uint64_t sent = 0;
    const double column_cpu =
        cpu_of([&] { sent = drain(*cfsync::api::csv_column_source(file, i, column.bytes)); });
    std::printf("%-40s %9llu %9.2f%s\n", ("column \"" + column.name + "\" read for upload").c_str(),
                static_cast<unsigned long long>(sent >> 20), column_cpu,
                sent == column.bytes ? "" : "  (short: the file changed?)");
  }
  return 0;
}
