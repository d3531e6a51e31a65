// The digest cache: hashing once, trusting the cache only for files it still describes.
#include "config/digest_cache.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>

namespace cfsync::config {
namespace {

using test::TempDir;

const std::string k_md5_a = "0cc175b9c0f1b6a831c399e269772661";
const std::string k_sha1_a = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8";
const std::string k_sha256_a = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";

// Files written by a test are fresh: the cache does not keep what may still change within the
// same second, so make them an hour old.
std::filesystem::path old_file(const TempDir& dir, const std::string& name,
                               const std::string& text) {
  const auto file = dir.write(name, text);
  std::filesystem::last_write_time(
      file, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  return file;
}

TEST_CASE("digests in the three algorithms") {
  TempDir dir;
  const auto file = old_file(dir, "a.txt", "a");
  DigestCache cache = DigestCache::open({});
  CHECK(*cache.digest(file, "md5") == k_md5_a);
  CHECK(*cache.digest(file, "sha1") == k_sha1_a);
  CHECK(*cache.digest(file, "sha256") == k_sha256_a);
  CHECK(cache.files_read() == 3);
  CHECK(*cache.digest(file, "md5") == k_md5_a);
  CHECK(cache.files_read() == 3);  // remembered
  CHECK_FALSE(cache.digest(file, "crc32"));
}

TEST_CASE("a saved cache spares the next run the reading") {
  TempDir state;
  TempDir dir;
  const auto file = old_file(dir, "a.txt", "a");
  {
    DigestCache cache = DigestCache::open(state.path());
    REQUIRE(cache.digest(file, "md5"));
    cache.remember_algorithm("default/docs", "md5");
    REQUIRE(cache.save());
  }
  DigestCache next = DigestCache::open(state.path());
  CHECK(*next.digest(file, "md5") == k_md5_a);
  CHECK(next.files_read() == 0);
  CHECK(next.algorithm_of("default/docs") == "md5");
}

TEST_CASE("a changed file is read again") {
  TempDir state;
  TempDir dir;
  const auto file = old_file(dir, "a.txt", "a");
  {
    DigestCache cache = DigestCache::open(state.path());
    REQUIRE(cache.digest(file, "md5"));
    REQUIRE(cache.save());
  }
  old_file(dir, "a.txt", "b");  // same size, new content, another mtime
  std::filesystem::last_write_time(
      file, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(30));
  DigestCache next = DigestCache::open(state.path());
  CHECK(*next.digest(file, "md5") == "92eb5ffee6ae2fec3ad71c777531578f");
  CHECK(next.files_read() == 1);
}

TEST_CASE("files modified a moment ago are not kept") {
  TempDir state;
  TempDir dir;
  const auto file = dir.write("fresh.txt", "a");
  {
    DigestCache cache = DigestCache::open(state.path());
    REQUIRE(cache.digest(file, "md5"));
    REQUIRE(cache.save());
  }
  DigestCache next = DigestCache::open(state.path());
  REQUIRE(next.digest(file, "md5"));
  CHECK(next.files_read() == 1);
}

TEST_CASE("a lost or damaged cache costs a re-hash, nothing more") {
  TempDir state;
  TempDir dir;
  const auto file = old_file(dir, "a.txt", "a");
  state.write("digests.json", "{not json");
  DigestCache cache = DigestCache::open(state.path());
  CHECK(*cache.digest(file, "md5") == k_md5_a);
  CHECK(cache.files_read() == 1);
  CHECK(cache.save());
}

TEST_CASE("a stat the caller took is what the cache goes by") {
  TempDir dir;
  const auto file = old_file(dir, "a.txt", "a");
  DigestCache cache = DigestCache::open({});
  const FileStamp walked{.size = 1, .mtime_ns = 1'000'000'000, .inode = 7};
  CHECK(cache.digests(file, walked, {"md5"})->at("md5") == k_md5_a);
  CHECK(cache.files_read() == 1);
  CHECK(cache.digests(file, walked, {"md5"})->at("md5") == k_md5_a);
  CHECK(cache.files_read() == 1);  // the same stat: not read again
  const FileStamp later{.size = 1, .mtime_ns = 2'000'000'000, .inode = 7};
  REQUIRE(cache.digests(file, later, {"md5"}));
  CHECK(cache.files_read() == 2);
}

TEST_CASE("fill_digests hashes what the plan needs and remembers the algorithm that matched") {
  TempDir dir;
  const auto file = old_file(dir, "a.md", "a");
  DesiredState desired{
      .ai_search_instances = {
          {.id = "docs", .documents = {{.key = "a.md", .file = file, .size = 1}}}}};
  DigestCache cache = DigestCache::open({});
  REQUIRE(fill_digests(desired, {{0, 0, k_sha256_a}}, cache));
  const auto& digests = desired.ai_search_instances.front().documents.front().digests;
  REQUIRE(digests);
  CHECK(*digests == Digests{{"sha256", k_sha256_a}});
  CHECK(cache.algorithm_of("default/docs") == "sha256");
}

}  // namespace
}  // namespace cfsync::config
