// Safety thresholds at their boundaries.
#include "reconcile/safety.hpp"

#include "reconcile/planner.hpp"

#include <doctest/doctest.h>

namespace cfsync::reconcile {
namespace {

// `live` profiles in the account, `declared` of them in the configuration, and a plan deleting
// `deleted` of them.
struct Case {
  DesiredState desired;
  LiveState live;
  Plan plan;

  Case(std::size_t live_count, std::size_t declared, std::size_t deleted) {
    desired.prune.profiles = true;
    live.profiles = LiveProfiles{};
    for (std::size_t i = 0; i < live_count; ++i) {
      live.profiles->custom.push_back(
          {.id = "p" + std::to_string(i), .name = "P" + std::to_string(i)});
    }
    for (std::size_t i = 0; i < declared; ++i)
      desired.profiles.push_back({.name = "P" + std::to_string(i)});
    for (std::size_t i = 0; i < deleted; ++i) {
      plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                              .name = "P" + std::to_string(live_count - 1 - i),
                              .action = Action::delete_,
                              .payload = DeleteProfile{"x"}});
    }
  }
  [[nodiscard]] std::vector<std::string> problems() const {
    return safety_problems(plan, desired, live);
  }
};

TEST_CASE("30% of a kind's live objects may go, once there are 10") {
  CHECK(Case(10, 7, 3).problems().empty());  // exactly 30%
  CHECK(Case(10, 6, 4).problems() ==
        std::vector<std::string>{
            "dlp_profile: the plan would delete or replace 4 of 10 live dlp_profile (40%), more "
            "than 30% (safety.dlp_profile.max_delete_percent)"});
  CHECK(Case(9, 4, 5).problems().empty());  // fewer than 10: no percentage
}

TEST_CASE("the limits are per kind and configurable") {
  Case raised(10, 5, 5);
  raised.desired.safety[ResourceKind::dlp_profile] = {.max_delete_percent = 50};
  CHECK(raised.problems().empty());
  Case counted(1000, 800, 200);  // 20%, but more than 100
  CHECK(counted.problems() ==
        std::vector<std::string>{
            "dlp_profile: the plan would delete or replace 200 of 1000 live dlp_profile (20%), "
            "more than 100 (safety.dlp_profile.max_delete_count)"});
  counted.desired.safety[ResourceKind::dlp_profile] = {.max_delete_count = 200};
  CHECK(counted.problems().empty());
  counted.desired.safety[ResourceKind::ai_search_item] = {.max_delete_count =
                                                              0};  // another kind: no effect
  CHECK(counted.problems().empty());
}

TEST_CASE("a kind that became empty is refused whatever its size, unless allow_empty") {
  Case emptied(3, 0, 3);
  CHECK(emptied.problems() ==
        std::vector<std::string>{
            "dlp_profile: the configuration declares none, and the plan would delete 3 of 3 live "
            "dlp_profile (100%); set safety.dlp_profile.allow_empty: true if that is meant"});
  emptied.desired.safety[ResourceKind::dlp_profile] = {.allow_empty = true};
  CHECK(emptied.problems().empty());
}

// Profile A (managed) owns entry e; B and C list e in their shared_entries.
struct Shared {
  DesiredState desired;
  LiveState live;

  Shared() {
    LiveProfile a{.id = "a", .name = "A"};
    a.entries = {{.id = "E-1", .name = "e", .regex = Sensitive("E-[0-9]{2}")},
                 {.id = "f-1", .name = "f", .regex = Sensitive("F-[0-9]{2}")}};
    LiveProfile b{.id = "b", .name = "B", .shared_entries = {{"e-1", true}}};
    LiveProfile c{.id = "c", .name = "C", .shared_entries = {{"e-1", true}, {"f-1", false}}};
    live.profiles = LiveProfiles{.custom = {a, b, c}};
    // A keeps f only; B is not managed; C is managed and leaves its shared entries undeclared.
    desired.profiles = {
        {.name = "A",
         .entries = std::vector<DesiredEntry>{{.name = "f", .regex = Sensitive("F-[0-9]{2}")}}},
        {.name = "C"}};
  }
  [[nodiscard]] Plan plan() const {
    auto made = reconcile::plan(desired, live);
    REQUIRE(made.has_value());
    return *made;
  }
};

TEST_CASE("deleting an entry another profile shares names the profile and is refused") {
  Shared shared;
  const Plan plan = shared.plan();
  REQUIRE(plan.changes.size() == 1);
  const Change& remove = plan.changes[0];
  CHECK(remove.action == Action::delete_);
  CHECK(remove.reason ==
        "entry \"e\" is also used by profile \"B\" (not managed), profile \"C\" (its "
        "shared_entries keep it)");
  CHECK(safety_problems(plan, shared.desired, shared.live) ==
        std::vector<std::string>{
            "deleting entry \"e\" of dlp profile \"A\": entry \"e\" is also used by profile "
            "\"B\" (not managed), profile \"C\" (its shared_entries keep it); Cloudflare deletes "
            "an entry from every profile that lists it (take it out of their shared_entries "
            "first)"});
}

TEST_CASE("a sharing profile that lets go of the entry, or is deleted too, does not count") {
  Shared shared;
  shared.desired.profiles[1].shared_entries = std::vector<SharedEntry>{{"f-1", false}};
  shared.desired.prune.profiles = true;  // B goes too
  shared.desired.safety[ResourceKind::dlp_profile] = {.allow_empty = true};
  const Plan plan = shared.plan();
  for (const Change& change : plan.changes) CHECK(change.shared_with.empty());
  CHECK(safety_problems(plan, shared.desired, shared.live).empty());
}

TEST_CASE("deleting the profile that owns a shared entry is refused too") {
  Shared shared;
  shared.desired.profiles = {{.name = "B"}, {.name = "C"}};
  shared.desired.prune.profiles = true;
  const Plan plan = shared.plan();
  REQUIRE(plan.changes.size() == 1);
  CHECK(std::get_if<DeleteProfile>(&plan.changes[0].payload) != nullptr);
  CHECK(plan.changes[0].shared_with ==
        std::vector<std::string>{
            "entry \"e\" is also used by profile \"B\" (its shared_entries keep it), profile "
            "\"C\" (its shared_entries keep it)",
            "entry \"f\" is also used by profile \"C\" (its shared_entries keep it)"});
  CHECK(safety_problems(plan, shared.desired, shared.live).size() == 2);
}

}  // namespace
}  // namespace cfsync::reconcile
