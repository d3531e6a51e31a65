// The order apply keeps when it runs changes side by side.
#include "reconcile/schedule.hpp"

#include <doctest/doctest.h>

namespace cfsync {
namespace {

Change change(ResourceKind kind, Action action, std::string name, std::string parent = "") {
  Change out;
  out.kind = kind;
  out.action = action;
  out.name = std::move(name);
  out.parent = std::move(parent);
  return out;
}

// Starts everything that may start now.
std::vector<std::size_t> start_all(Schedule& schedule) {
  std::vector<std::size_t> started;
  while (auto next = schedule.next()) started.push_back(*next);
  return started;
}

TEST_CASE("stages: settings, then datasets, then profiles, then dataset deletes, items at once") {
  Plan plan;
  plan.changes = {
      change(ResourceKind::dlp_settings, Action::update, "dlp settings"),             // 0
      change(ResourceKind::dlp_dataset, Action::create, "terms"),                     // 1
      change(ResourceKind::dlp_dataset, Action::update, "records"),                   // 2
      change(ResourceKind::dlp_profile, Action::create, "Secrets"),                   // 3
      change(ResourceKind::dlp_predefined_entry, Action::update, "Visa", "Cards"),    // 4
      change(ResourceKind::dlp_dataset, Action::delete_, "old"),                      // 5
      change(ResourceKind::ai_search_item, Action::create, "a.md", "default/docs"),   // 6
      change(ResourceKind::ai_search_item, Action::replace, "b.md", "default/docs"),  // 7
  };
  Schedule schedule(plan);
  CHECK(start_all(schedule) == std::vector<std::size_t>{0, 6, 7});
  schedule.finish(6, true);
  CHECK(start_all(schedule).empty());
  schedule.finish(0, false);  // a failed settings update does not stop the rest
  CHECK(start_all(schedule) == std::vector<std::size_t>{1, 2});
  schedule.finish(1, true);
  CHECK(start_all(schedule).empty());
  schedule.finish(2, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{3, 4});
  schedule.finish(3, true);
  schedule.finish(4, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{5});
  schedule.finish(5, true);
  CHECK_FALSE(schedule.done());
  schedule.finish(7, true);
  CHECK(schedule.done());
  CHECK(schedule.running() == 0);
}

TEST_CASE("a profile's entries wait for the profile's changes, then run side by side") {
  Plan plan;
  plan.changes = {
      change(ResourceKind::dlp_profile, Action::update, "Secrets"),                 // 0
      change(ResourceKind::dlp_profile_entry, Action::create, "key", "Secrets"),    // 1
      change(ResourceKind::dlp_profile_entry, Action::delete_, "old", "Secrets"),   // 2
      change(ResourceKind::dlp_profile_entry, Action::create, "card", "Payments"),  // 3
      change(ResourceKind::dlp_profile_entry, Action::update, "iban", "Payments"),  // 4
      change(ResourceKind::dlp_predefined_profile, Action::update, "Cards"),        // 5
      change(ResourceKind::dlp_predefined_entry, Action::update, "Visa", "Cards"),  // 6
      change(ResourceKind::dlp_predefined_entry, Action::update, "Amex", "Cards"),  // 7
  };
  Schedule schedule(plan);
  CHECK(start_all(schedule) == std::vector<std::size_t>{0, 3, 4, 5});
  schedule.finish(0, false);  // an update that failed: its entries still go
  CHECK(start_all(schedule) == std::vector<std::size_t>{1, 2});
  schedule.finish(5, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{6, 7});
}

TEST_CASE("a profile's change waits for the changes of its entries that come before it") {
  Plan plan;
  plan.changes = {
      change(ResourceKind::dlp_profile_entry, Action::delete_, "key", "Secrets"),  // 0
      change(ResourceKind::dlp_profile_entry, Action::update, "id", "Secrets"),    // 1
      change(ResourceKind::dlp_profile, Action::delete_, "Secrets"),               // 2
      change(ResourceKind::dlp_profile_entry, Action::create, "new", "Secrets"),   // 3
  };
  Schedule schedule(plan);
  CHECK(start_all(schedule) == std::vector<std::size_t>{0, 1});
  schedule.finish(1, true);
  CHECK(start_all(schedule).empty());
  schedule.finish(0, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{2});
  schedule.finish(2, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{3});
}

TEST_CASE("the delete and create that replace one entry run one after the other") {
  Plan plan;
  plan.changes = {
      change(ResourceKind::dlp_profile_entry, Action::delete_, "words", "Secrets"),  // 0
      change(ResourceKind::dlp_profile_entry, Action::create, "words", "Secrets"),   // 1
      change(ResourceKind::dlp_profile_entry, Action::create, "other", "Secrets"),   // 2
  };
  Schedule schedule(plan);
  CHECK(start_all(schedule) == std::vector<std::size_t>{0, 2});
  schedule.finish(0, true);
  CHECK(start_all(schedule) == std::vector<std::size_t>{1});
}

TEST_CASE(
    "a failed create skips what comes after it in its lane and what waits for it, only that") {
  Plan plan;
  plan.changes = {
      change(ResourceKind::dlp_profile, Action::create, "Secrets"),               // 0
      change(ResourceKind::dlp_profile_entry, Action::create, "key", "Secrets"),  // 1
      change(ResourceKind::dlp_profile, Action::create, "Other"),                 // 2
      change(ResourceKind::dlp_profile_entry, Action::create, "id", "Secrets"),   // 3
  };
  Schedule schedule(plan);
  CHECK(start_all(schedule) == std::vector<std::size_t>{0, 2});
  CHECK(schedule.finish(0, false) == std::vector<std::size_t>{1, 3});
  CHECK(start_all(schedule).empty());
  CHECK_FALSE(schedule.done());
  CHECK(schedule.finish(2, false).empty());
  CHECK(schedule.done());
}

}  // namespace
}  // namespace cfsync
