// What cfsync recorded of each item it uploaded: kept across runs, written in batches.
#include "config/item_records.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace cfsync::config {
namespace {

TEST_CASE("item upload records survive a restart, metadata keys sorted") {
  test::TempDir dir;
  {
    ItemRecordStore store = ItemRecordStore::open(dir.path());
    store.set("i-1", {.sha256 = "aa", .size = 3, .metadata_keys = {"team", "rank"}});
    store.set("i-2", {.sha256 = "bb", .size = 4});
    REQUIRE(store.save().has_value());
  }
  ItemRecordStore again = ItemRecordStore::open(dir.path());
  REQUIRE(again.records().size() == 2);
  CHECK(again.records().at("i-1") ==
        ItemRecord{.sha256 = "aa", .size = 3, .metadata_keys = {"rank", "team"}});
  again.erase("i-2");
  REQUIRE(again.save().has_value());
  CHECK(ItemRecordStore::open(dir.path()).records().size() == 1);
}

TEST_CASE("item upload records are written once a batch is waiting, and by save()") {
  test::TempDir dir;
  const auto file = dir.path() / "items.json";
  ItemRecordStore store = ItemRecordStore::open(dir.path());
  store.set("i-1", {.sha256 = "aa", .size = 1});
  REQUIRE(store.save_batched(2).has_value());
  CHECK_FALSE(std::filesystem::exists(file));
  store.set("i-1", {.sha256 = "aa", .size = 1});  // unchanged: nothing waits
  REQUIRE(store.save_batched(2).has_value());
  CHECK_FALSE(std::filesystem::exists(file));
  store.set("i-2", {.sha256 = "bb", .size = 2});
  REQUIRE(store.save_batched(2).has_value());
  CHECK(ItemRecordStore::open(dir.path()).records().size() == 2);
  store.erase("i-1");
  REQUIRE(store.save().has_value());
  CHECK(ItemRecordStore::open(dir.path()).records().size() == 1);
}

TEST_CASE("a foreign or broken records file reads as no records") {
  test::TempDir dir;
  dir.write("items.json", R"({"version": 9, "items": {"i-1": {}}})");
  CHECK(ItemRecordStore::open(dir.path()).records().empty());
  dir.write("items.json", "not json");
  CHECK(ItemRecordStore::open(dir.path()).records().empty());
}

}  // namespace
}  // namespace cfsync::config
