// The family registry: every kind belongs to one family, and what is looked up in it is whole.
#include "reconcile/family.hpp"

#include "reconcile/safety.hpp"

#include <doctest/doctest.h>

#include <set>

namespace cfsync::reconcile {
namespace {

// Every ResourceKind: the enum runs from dlp_settings to dlp_dataset.
std::vector<ResourceKind> all_kinds() {
  std::vector<ResourceKind> kinds;
  for (int i = 0; i <= static_cast<int>(ResourceKind::dlp_dataset); ++i) {
    kinds.push_back(static_cast<ResourceKind>(i));
  }
  return kinds;
}

TEST_CASE("each kind is in exactly one family, under a name of its own") {
  std::set<std::string_view> names;
  std::size_t listed = 0;
  for (const Family* family : families()) {
    CHECK(static_cast<bool>(family->place));
    CHECK(static_cast<bool>(family->declared));
    CHECK_FALSE(family->plan_steps.empty());
    for (const KindTraits& kind : family->kinds) {
      ++listed;
      CHECK(names.insert(kind.name).second);
      CHECK(&family_of(kind.kind) == family);
    }
  }
  CHECK(listed == all_kinds().size());
  for (ResourceKind kind : all_kinds()) {
    const KindTraits* named = kind_named(to_string(kind));
    REQUIRE(named != nullptr);
    CHECK(named->kind == kind);
  }
  CHECK(kind_named("dlp_profiles") == nullptr);
}

TEST_CASE("families have names of their own, and only singletons are named without a noun") {
  std::set<std::string_view> names;
  for (const Family* family : families()) CHECK(names.insert(family->name).second);
  CHECK(traits_of(ResourceKind::dlp_settings).singleton());
  for (ResourceKind kind : all_kinds()) {
    if (kind == ResourceKind::dlp_settings) continue;
    CHECK_FALSE(traits_of(kind).singleton());
  }
}

TEST_CASE("a change is described by its kind's noun and its parent's") {
  const auto quote = [](std::string_view text) { return "'" + std::string(text) + "'"; };
  CHECK(described({.kind = ResourceKind::dlp_settings, .name = "dlp settings"}, quote) ==
        "dlp settings");
  CHECK(described({.kind = ResourceKind::dlp_profile, .name = "P"}, quote) == "dlp profile 'P'");
  CHECK(described({.kind = ResourceKind::dlp_profile_entry, .name = "e", .parent = "P"}, quote) ==
        "entry 'e' of dlp profile 'P'");
  CHECK(described({.kind = ResourceKind::ai_search_item, .name = "a.md", .parent = "default/kb"},
                  quote) == "document 'a.md' of AI Search instance 'default/kb'");
}

TEST_CASE(
    "the kinds safety limits are those with a count, and a live object left alone has a hint") {
  std::vector<std::string_view> counted;
  for (const Family* family : families()) {
    for (const KindTraits& kind : family->kinds) {
      if (kind.count) counted.push_back(kind.name);
    }
  }
  CHECK(safety_kinds() == counted);
  CHECK(safety_kinds() == std::vector<std::string_view>{"dlp_profile", "dlp_profile_entry",
                                                        "dlp_dataset", "ai_search_namespace",
                                                        "ai_search_instance", "ai_search_item"});
  // Kinds a plan can list as unmanaged say which setting would delete them.
  for (ResourceKind kind :
       {ResourceKind::dlp_profile, ResourceKind::dlp_dataset, ResourceKind::ai_search_namespace,
        ResourceKind::ai_search_instance, ResourceKind::ai_search_item}) {
    CHECK_FALSE(traits_of(kind).left_alone_hint.empty());
  }
}

}  // namespace
}  // namespace cfsync::reconcile
