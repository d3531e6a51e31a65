// The dataset scan cache: a file is scanned once while it stays the same, and what comes back
// from the cache is what a fresh scan says, summary or problem.
#include "config/dataset_scan_cache.hpp"

#include "config/dataset_scan.hpp"
#include "config/load.hpp"
#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

namespace fs = std::filesystem;

constexpr const char* k_words = "secret project\nfalcon\r\n\nzebra\n";
constexpr const char* k_customers = "email,account\r\na@x.com,1\r\n\"b,@x.com\",\r\n\r\n";

// Files written by a test are fresh: the cache does not keep what may still change within the
// same second, so make them `age` old.
void age(const fs::path& file, std::chrono::minutes age = std::chrono::minutes(60)) {
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}

fs::path old_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const fs::path file = dir.write(name, text);
  age(file);
  return file;
}

// A repository declaring a word list and an EDM file, both an hour old.
fs::path repository(const TempDir& dir) {
  old_file(dir, "data/words.txt", k_words);
  old_file(dir, "data/customers.csv", k_customers);
  return dir.write("cfsync.yaml", k_account_line + R"(
dlp:
  datasets:
    - name: words
      kind: word_list
      file: data/words.txt
    - name: customers
      kind: edm
      file: data/customers.csv
)");
}

// The configuration at `path` loaded through a cache of `state`, saved afterwards; the cache's
// count of files scanned.
std::pair<Result<Config>, std::size_t> load_through(const fs::path& path, const TempDir& state) {
  DatasetScanCache cache = DatasetScanCache::open(state.path());
  CHECK(cache.warning().empty());
  auto loaded = load({.path = path, .dataset_scans = &cache});
  CHECK(cache.save());
  return {std::move(loaded), cache.files_scanned()};
}

std::vector<DatasetFile> files_of(const Config& config) {
  std::vector<DatasetFile> out;
  for (const DesiredDataset& dataset : config.desired.datasets) out.push_back(*dataset.file);
  return out;
}

TEST_CASE("a saved scan spares the next load the reading, and answers as a fresh scan does") {
  TempDir dir;
  TempDir state;
  const fs::path config = repository(dir);
  const auto [first, scanned_first] = load_through(config, state);
  REQUIRE(first);
  CHECK(scanned_first == 2);
  CHECK(fs::exists(state.path() / "dataset-scans.json"));

  const auto [second, scanned_second] = load_through(config, state);
  REQUIRE(second);
  CHECK(scanned_second == 0);
  CHECK(files_of(*second) == files_of(*first));

  // And as scan_dataset, which reads the file.
  const std::vector<DatasetFile> fresh = {
      *scan_dataset(dir.path() / "data/words.txt", "data/words.txt", DatasetKind::word_list),
      *scan_dataset(dir.path() / "data/customers.csv", "data/customers.csv", DatasetKind::edm)};
  std::vector<DatasetFile> cached = files_of(*second);
  for (DatasetFile& file : cached) file.path = fs::canonical(file.path);
  std::vector<DatasetFile> expected = fresh;
  for (DatasetFile& file : expected) file.path = fs::canonical(file.path);
  CHECK(cached == expected);
  CHECK(cached[1].columns == std::vector<DatasetColumn>{{"email", 2, 8 + 9}, {"account", 1, 2}});
}

TEST_CASE("a file whose size or modification time changed is scanned again") {
  TempDir dir;
  TempDir state;
  const fs::path config = repository(dir);
  REQUIRE(load_through(config, state).first);

  SUBCASE("size") {
    std::ofstream(dir.path() / "data/words.txt", std::ios::app) << "osprey\n";
    age(dir.path() / "data/words.txt");
    const auto [loaded, scanned] = load_through(config, state);
    REQUIRE(loaded);
    CHECK(scanned == 1);
    CHECK(loaded->desired.datasets[0].file->cells == 4);
  }
  SUBCASE("modification time, same bytes") {
    age(dir.path() / "data/customers.csv", std::chrono::minutes(30));
    const auto [loaded, scanned] = load_through(config, state);
    REQUIRE(loaded);
    CHECK(scanned == 1);
    CHECK(loaded->desired.datasets[1].file->cells == 3);
  }
  SUBCASE("same size and modification time, other bytes (the change time tells)") {
    const fs::path file = dir.path() / "data/words.txt";
    const auto mtime = fs::last_write_time(file);
    std::string other = k_words;
    other[0] = 'S';
    dir.write("data/words.txt", other);
    fs::last_write_time(file, mtime);
    REQUIRE(fs::last_write_time(file) == mtime);
    REQUIRE(fs::file_size(file) == std::string_view(k_words).size());
    const auto [loaded, scanned] = load_through(config, state);
    REQUIRE(loaded);
    CHECK(scanned == 1);
    CHECK(loaded->desired.datasets[0].file->sha256 ==
          scan_dataset(file, "w", DatasetKind::word_list)->sha256);
  }
  // Each is kept again: the next load reads nothing.
  CHECK(load_through(config, state).second == 0);
}

TEST_CASE("a malformed file's problem comes back from the cache word for word") {
  TempDir dir;
  TempDir state;
  old_file(dir, "data/f.csv", "email,account\na@x.com,1\nb@x.com\n");
  const fs::path config =
      dir.write("cfsync.yaml", k_account_line +
                                   "dlp:\n  datasets:\n    - name: d\n      kind: edm\n"
                                   "      file: data/f.csv\n");
  const auto [first, scanned_first] = load_through(config, state);
  const std::vector<std::string> expected = {
      "cfsync.yaml:6:13: dlp.datasets[\"d\"].file: \"data/f.csv\" line 3: 1 cell, but the header "
      "has 2 columns"};
  CHECK(problems(first, dir) == expected);
  CHECK(scanned_first == 1);
  const auto [second, scanned_second] = load_through(config, state);
  CHECK(problems(second, dir) == expected);
  CHECK(second.error().redacted_details == first.error().redacted_details);
  CHECK(scanned_second == 0);
}

TEST_CASE("the same file as another kind is scanned as that kind") {
  TempDir dir;
  const fs::path file = old_file(dir, "data/f.csv", k_customers);
  DatasetScanCache cache = DatasetScanCache::open({});
  const auto as_edm = cache.scan(file, "data/f.csv", DatasetKind::edm);
  const auto as_words = cache.scan(file, "data/f.csv", DatasetKind::word_list);
  REQUIRE(as_edm);
  REQUIRE(as_words);
  CHECK(as_edm->columns.size() == 2);
  CHECK(as_words->columns.empty());
  CHECK(cache.files_scanned() == 2);
}

TEST_CASE("without a state directory, scans are remembered for the run only") {
  TempDir dir;
  const fs::path file = old_file(dir, "w.txt", k_words);
  DatasetScanCache cache = DatasetScanCache::open({});
  REQUIRE(cache.scan(file, "w.txt", DatasetKind::word_list));
  REQUIRE(cache.scan(file, "w.txt", DatasetKind::word_list));
  CHECK(cache.files_scanned() == 1);
  CHECK(cache.save());
}

TEST_CASE("files modified a moment ago are not kept") {
  TempDir dir;
  TempDir state;
  const fs::path file = dir.write("w.txt", k_words);
  {
    DatasetScanCache cache = DatasetScanCache::open(state.path());
    REQUIRE(cache.scan(file, "w.txt", DatasetKind::word_list));
    REQUIRE(cache.save());
  }
  DatasetScanCache next = DatasetScanCache::open(state.path());
  REQUIRE(next.scan(file, "w.txt", DatasetKind::word_list));
  CHECK(next.files_scanned() == 1);
}

TEST_CASE("a damaged or oversized cache is ignored with a warning, then rewritten") {
  TempDir dir;
  TempDir state;
  const fs::path file = old_file(dir, "w.txt", k_words);
  const fs::path cache_file = state.path() / "dataset-scans.json";
  std::string why;
  SUBCASE("not JSON") {
    state.write("dataset-scans.json", "{\"version\":1,\"entries\":[{\"path\"");
    why = "is not valid JSON";
  }
  SUBCASE("an entry of another shape") {
    state.write("dataset-scans.json",
                R"({"version":1,"entries":[{"path":"/w.txt","kind":"edm","size":"big"}]})");
    why = "is not in the expected format";
  }
  SUBCASE("larger than its bound") {
    state.write("dataset-scans.json", std::string(5 * 1024 * 1024, ' '));
    why = "is larger than 4 MiB (5 MiB), the limit for this file";
  }
  {
    DatasetScanCache cache = DatasetScanCache::open(state.path());
    CHECK(cache.warning() == "the dataset scan cache \"" + cache_file.string() + "\" " + why +
                                 "; ignored: dataset files are scanned again");
    const auto scanned = cache.scan(file, "w.txt", DatasetKind::word_list);
    REQUIRE(scanned);
    CHECK(scanned->cells == 3);
    CHECK(cache.files_scanned() == 1);
    REQUIRE(cache.save());
  }
  DatasetScanCache next = DatasetScanCache::open(state.path());
  CHECK(next.warning().empty());
  REQUIRE(next.scan(file, "w.txt", DatasetKind::word_list));
  CHECK(next.files_scanned() == 0);
}

TEST_CASE("a cache of another format version is replaced without a warning") {
  TempDir dir;
  TempDir state;
  const fs::path file = old_file(dir, "w.txt", k_words);
  state.write("dataset-scans.json", R"({"version":99,"anything":[]})");
  DatasetScanCache cache = DatasetScanCache::open(state.path());
  CHECK(cache.warning().empty());
  REQUIRE(cache.scan(file, "w.txt", DatasetKind::word_list));
  REQUIRE(cache.save());
  CHECK(DatasetScanCache::open(state.path()).warning().empty());
}

}  // namespace
}  // namespace cfsync::config
