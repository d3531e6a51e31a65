// The profile diff: desired + live -> changes, one per write request, and the problems that
// make a plan unsafe.
#include "reconcile/planner.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync {
namespace {

constexpr const char* k_shared_a = "56a8c060-01bb-4f89-ba1e-3ad42770a342";
constexpr const char* k_shared_b = "9b1c9d33-6e37-4a64-9d0e-1cbb2f0c6a11";

DesiredEntry regex_entry(std::string name, std::string regex) {
  return {.name = std::move(name), .regex = Sensitive(std::move(regex))};
}

DesiredEntry words_entry(std::string name, std::vector<std::string> words) {
  return {.name = std::move(name), .words = make_word_list(std::move(words))};
}

LiveEntry live_regex(std::string id, std::string name, std::string regex) {
  return {.id = std::move(id), .name = std::move(name), .regex = Sensitive(std::move(regex))};
}

LiveEntry live_words(std::string id, std::string name, std::vector<std::string> words) {
  return {.id = std::move(id),
          .name = std::move(name),
          .kind = EntryKind::words,
          .words = std::move(words)};
}

// A live profile as the API returns it after creating `employee_ids()` with server defaults.
LiveProfile live_employee_ids() {
  return {.id = "p-1",
          .name = "Employee IDs",
          .description = "Internal employee numbers",
          .allowed_match_count = 3,
          .confidence_threshold = Confidence::medium,
          .entries = {live_words("e-2", "Badge words", {"lanyard", "badge"}),
                      live_regex("e-1", "Employee number", "EMP-[0-9]{6}")},
          .shared_entries = {{"56A8C060-01BB-4F89-BA1E-3AD42770A342", true}}};
}

DesiredProfile employee_ids() {
  return {.name = "Employee IDs",
          .description = "Internal employee numbers",
          .allowed_match_count = 3,
          .confidence_threshold = Confidence::medium,
          .entries = std::vector<DesiredEntry>{regex_entry("Employee number", "EMP-[0-9]{6}"),
                                               words_entry("Badge words", {"badge", "lanyard"})},
          .shared_entries = std::vector<SharedEntry>{{k_shared_a, true}}};
}

struct Outcome {
  Plan plan;
  std::vector<std::string> problems;
};

Outcome run(const DesiredState& desired, const LiveProfiles& live) {
  Outcome out;
  reconcile::plan_profiles(desired, live, out.plan, out.problems);
  return out;
}

DesiredState with_profiles(std::vector<DesiredProfile> profiles) {
  return {.account_id = "a", .profiles = std::move(profiles)};
}

TEST_CASE("a profile or entry of a kind cfsync does not manage blocks a create of its name") {
  LiveProfiles live{.others = {{"i-1", "Employee IDs", "integration"}, {"x-1", "Untyped", ""}}};
  const Outcome profiles =
      run(with_profiles({employee_ids(), DesiredProfile{.name = "Untyped"}}), live);
  CHECK(profiles.plan.changes.empty());
  CHECK(profiles.problems ==
        std::vector<std::string>{
            "dlp profile \"Employee IDs\" cannot be created: the account has a profile of type "
            "\"integration\" with this name (id i-1), which cfsync does not manage, and it will "
            "not make a second one; rename one of them",
            "dlp profile \"Untyped\" cannot be created: the account has a profile of no type "
            "with this name (id x-1), which cfsync does not manage, and it will not make a "
            "second one; rename one of them"});

  LiveProfile existing = live_employee_ids();
  existing.other_entries = {{"t-1", "Topic", "custom_prompt_topic"}};
  DesiredProfile desired = employee_ids();
  desired.entries->push_back(regex_entry("Topic", "T-[0-9]{2}"));
  const Outcome entries = run(with_profiles({desired}), {.custom = {existing}});
  CHECK(entries.problems ==
        std::vector<std::string>{
            "dlp profile \"Employee IDs\": entry \"Topic\" cannot be created: the account has an "
            "entry of type \"custom_prompt_topic\" with this name (id t-1), which cfsync does "
            "not manage, and it will not make a second one; rename one of them"});
  for (const Change& change : entries.plan.changes) CHECK(change.action != Action::create);
}

TEST_CASE("a new profile is one create carrying its entries") {
  const Outcome out = run(with_profiles({employee_ids()}), {});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.kind == ResourceKind::dlp_profile);
  CHECK(change.action == Action::create);
  const auto& create = std::get<CreateProfile>(change.payload);
  CHECK(create.profile.entries->size() == 2);
  std::vector<std::string> fields;
  for (const FieldChange& field : change.fields) fields.push_back(field.field);
  CHECK(fields == std::vector<std::string>{
                      "description", "allowed_match_count", "confidence_threshold",
                      "entries[\"Employee number\"].regex", "entries[\"Employee number\"].enabled",
                      "entries[\"Badge words\"].words", "entries[\"Badge words\"].enabled",
                      "shared_entries[\"" + std::string(k_shared_a) + "\"].enabled"});
  CHECK(std::holds_alternative<Protected>(change.fields.at(3).after));
}

TEST_CASE("what the server returns after a create plans clean") {
  // Entries and words in another order, ids in upper case, server defaults for fields that
  // were not declared: none of it is a change.
  const Outcome out = run(with_profiles({employee_ids()}), {.custom = {live_employee_ids()}});
  CHECK(out.problems.empty());
  CHECK(out.plan.empty());
  CHECK(out.plan.unmanaged.empty());
}

TEST_CASE("fields absent from the configuration keep their live value") {
  LiveProfile live = live_employee_ids();
  live.ocr_enabled = true;
  live.ai_context_enabled = true;
  live.data_tags = {k_shared_b};
  live.description = "edited in the dashboard";
  DesiredProfile desired{.name = "Employee IDs"};
  CHECK(run(with_profiles({desired}), {.custom = {live}}).plan.empty());
}

TEST_CASE("each scalar field that differs is one PUT carrying every managed field") {
  struct Row {
    std::string name;
    DesiredProfile desired;
    FieldChange field;
  };
  auto with = [](auto&& edit) {
    DesiredProfile profile = employee_ids();
    edit(profile);
    return profile;
  };
  const std::vector<Row> rows = {
      {"description",
       with([](DesiredProfile& p) { p.description = "new"; }),
       {"description", std::string("Internal employee numbers"), std::string("new")}},
      {"allowed_match_count",
       with([](DesiredProfile& p) { p.allowed_match_count = 7; }),
       {"allowed_match_count", std::int64_t{3}, std::int64_t{7}}},
      {"confidence_threshold",
       with([](DesiredProfile& p) { p.confidence_threshold = Confidence::very_high; }),
       {"confidence_threshold", std::string("medium"), std::string("very_high")}},
      {"ocr_enabled",
       with([](DesiredProfile& p) { p.ocr_enabled = true; }),
       {"ocr_enabled", false, true}},
      {"ai_context_enabled",
       with([](DesiredProfile& p) { p.ai_context_enabled = true; }),
       {"ai_context_enabled", false, true}},
      {"shared entry switched off",
       with([](DesiredProfile& p) {
         p.shared_entries = std::vector<SharedEntry>{{k_shared_a, false}};
       }),
       {"shared_entries[\"" + std::string(k_shared_a) + "\"].enabled", true, false}},
      {"shared entry added",
       with([](DesiredProfile& p) {
         p.shared_entries = std::vector<SharedEntry>{{k_shared_a, true}, {k_shared_b, true}};
       }),
       {"shared_entries[\"" + std::string(k_shared_b) + "\"].enabled", std::monostate{}, true}},
      {"data classes",
       with([](DesiredProfile& p) { p.data_classes = std::vector<std::string>{k_shared_b}; }),
       {"data_classes", StringList{}, StringList{k_shared_b}}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const Outcome out = run(with_profiles({row.desired}), {.custom = {live_employee_ids()}});
    REQUIRE(out.plan.changes.size() == 1);
    const Change& change = out.plan.changes.front();
    CHECK(change.action == Action::update);
    CHECK(change.id == "p-1");
    CHECK(change.fields == std::vector<FieldChange>{row.field});
    const auto& put = std::get<UpdateProfile>(change.payload);
    CHECK(put.id == "p-1");
    CHECK(put.body.name == "Employee IDs");
    CHECK(put.body.allowed_match_count.has_value());
    CHECK(put.body.confidence_threshold.has_value());
    CHECK(put.body.ocr_enabled.has_value());
    CHECK(put.body.ai_context_enabled.has_value());
    CHECK(put.body.shared_entries.has_value());
    CHECK_FALSE(put.body.entries.has_value());  // entries have their own API
  }
}

TEST_CASE("the PUT body fills undeclared fields from live, and leaves undeclared lists out") {
  LiveProfile live = live_employee_ids();
  live.ocr_enabled = true;
  live.data_tags = {k_shared_b};
  live.context_awareness = ContextAwareness{true, false};
  const DesiredProfile desired{.name = "Employee IDs", .allowed_match_count = 9};
  const Outcome out = run(with_profiles({desired}), {.custom = {live}});
  REQUIRE(out.plan.changes.size() == 1);
  const auto& put = std::get<UpdateProfile>(out.plan.changes.front().payload);
  CHECK(put.body.description == "Internal employee numbers");
  CHECK(put.body.allowed_match_count == 9);
  CHECK(put.body.confidence_threshold == Confidence::medium);
  CHECK(put.body.ocr_enabled == true);
  CHECK(put.body.shared_entries == std::vector<SharedEntry>{{k_shared_a, true}});
  CHECK_FALSE(put.body.data_tags);  // omitted: "existing associations are unchanged"
  CHECK(put.context_awareness == ContextAwareness{true, false});
}

TEST_CASE("entries: add, change, remove are one write each") {
  DesiredProfile desired = employee_ids();
  desired.entries =
      std::vector<DesiredEntry>{regex_entry("Employee number", "EMP-[0-9]{7}"),     // changed
                                words_entry("Badge words", {"badge", "lanyard"}),   // same
                                regex_entry("Contractor number", "CTR-[0-9]{5}")};  // new
  LiveProfile live = live_employee_ids();
  live.entries.push_back(live_regex("e-3", "Old entry", "OLD"));  // gone from the config
  const Outcome out = run(with_profiles({desired}), {.custom = {live}});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 3);

  const Change& changed = out.plan.changes.at(0);
  CHECK(changed.kind == ResourceKind::dlp_profile_entry);
  CHECK(changed.action == Action::update);
  CHECK(changed.parent == "Employee IDs");
  CHECK(changed.name == "Employee number");
  REQUIRE(changed.fields.size() == 1);
  CHECK(changed.fields.front().field == "regex");
  const auto& update = std::get<UpdateEntry>(changed.payload);
  CHECK(update.id == "e-1");
  CHECK(update.entry.regex->reveal() == "EMP-[0-9]{7}");

  const Change& added = out.plan.changes.at(1);
  CHECK(added.action == Action::create);
  CHECK(std::get<CreateEntry>(added.payload).profile_id == "p-1");

  const Change& removed = out.plan.changes.at(2);
  CHECK(removed.action == Action::delete_);
  CHECK(std::get<DeleteEntry>(removed.payload).id == "e-3");
}

TEST_CASE("an entry's description is managed only when declared, null and empty are equal") {
  DesiredProfile desired = employee_ids();
  LiveProfile live = live_employee_ids();
  live.entries.at(1).description = "set in the dashboard";
  CHECK(run(with_profiles({desired}), {.custom = {live}}).plan.empty());

  desired.entries->at(0).description = "";
  live.entries.at(1).description = "";
  CHECK(run(with_profiles({desired}), {.custom = {live}}).plan.empty());

  desired.entries->at(0).description = "HR id";
  const Outcome out = run(with_profiles({desired}), {.custom = {live}});
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(out.plan.changes.front().fields ==
        std::vector<FieldChange>{{"description", std::monostate{}, std::string("HR id")}});
}

TEST_CASE("an entry update keeps the live description and validation it does not manage") {
  LiveProfile live = live_employee_ids();
  live.entries.at(1).description = "kept";
  live.entries.at(1).validation = "luhn";
  live.entries.at(1).enabled = false;
  const Outcome out = run(with_profiles({employee_ids()}), {.custom = {live}});
  REQUIRE(out.plan.changes.size() == 1);
  const auto& update = std::get<UpdateEntry>(out.plan.changes.front().payload);
  CHECK(update.entry.enabled);
  CHECK(update.entry.description == "kept");
  CHECK(update.validation == "luhn");
}

TEST_CASE("word lists of an existing profile cannot change in place") {
  struct Row {
    std::string name;
    DesiredEntry desired;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {"different words", words_entry("Badge words", {"badge"}), "has different words"},
      {"switched off",
       DesiredEntry{.name = "Badge words", .words = WordList{"badge", "lanyard"}, .enabled = false},
       "is switched on or off"},
      {"new word list", words_entry("New words", {"a"}), "is a new word-list entry"},
      {"regex becomes words", words_entry("Employee number", {"a"}),
       "would become a word-list entry"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    DesiredProfile desired = employee_ids();
    for (DesiredEntry& entry : *desired.entries) {
      if (entry.name == row.desired.name) entry = row.desired;
    }
    if (row.name == "new word list") desired.entries->push_back(row.desired);
    const Outcome out = run(with_profiles({desired}), {.custom = {live_employee_ids()}});
    REQUIRE(out.problems.size() == 1);
    CHECK(out.problems.front().find(row.problem) != std::string::npos);
    CHECK(out.problems.front().find("shared_entries") != std::string::npos);  // the way out
  }
}

TEST_CASE("a word list that becomes a regex is deleted and re-added") {
  DesiredProfile desired = employee_ids();
  desired.entries->at(1) = regex_entry("Badge words", "badge|lanyard");
  const Outcome out = run(with_profiles({desired}), {.custom = {live_employee_ids()}});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 2);
  CHECK(out.plan.changes.at(0).action == Action::delete_);
  CHECK(out.plan.changes.at(1).action == Action::create);
}

TEST_CASE("two live profiles with a declared name: a problem naming both ids") {
  LiveProfile first = live_employee_ids();
  LiveProfile second = live_employee_ids();
  second.id = "p-2";
  const Outcome out = run(with_profiles({employee_ids()}), {.custom = {first, second}});
  REQUIRE(out.problems.size() == 1);
  CHECK(out.problems.front().find("(ids p-1 and p-2)") != std::string::npos);
  CHECK(out.plan.empty());
}

TEST_CASE("copies of a declared profile: the problem points at --dedupe, which keeps the oldest") {
  LiveProfile older = live_employee_ids();
  older.id = "p-7";
  older.created_at = "2026-11-30T09:00:00.5+01:00";  // 08:00:00.5 UTC
  LiveProfile newer = live_employee_ids();
  newer.id = "p-2";
  newer.created_at = "2026-11-30T08:00:01Z";
  newer.entries.at(1).id = "e-9";  // its own entries: only ids differ
  const DesiredState desired = with_profiles({employee_ids()});

  const Outcome stuck = run(desired, {.custom = {newer, older}});
  CHECK(stuck.plan.empty());
  CHECK(stuck.problems ==
        std::vector<std::string>{
            "two live custom profiles are named \"Employee IDs\" (ids p-2 and p-7); cfsync will "
            "not guess which one the configuration means: they are alike in what the "
            "configuration declares, so `cfsync apply --dedupe` keeps the oldest and deletes the "
            "others (or delete them in the dashboard)"});

  const Outcome deduped = run(desired, {.custom = {newer, older}, .dedupe = true});
  CHECK(deduped.problems.empty());
  REQUIRE(deduped.plan.changes.size() == 1);
  const Change& removed = deduped.plan.changes.front();
  CHECK(removed.action == Action::delete_);
  CHECK(removed.id == "p-2");
  CHECK(removed.reason ==
        "a copy of profile p-7, created 2026-11-30T09:00:00.5+01:00 (--dedupe keeps the oldest)");

  // The kept one is then planned like any other: a change the configuration asks for is made
  // to it alone.
  DesiredState changed = desired;
  changed.profiles.front().allowed_match_count = 5;
  const Outcome updated = run(changed, {.custom = {newer, older}, .dedupe = true});
  REQUIRE(updated.plan.changes.size() == 2);
  CHECK(updated.plan.changes.at(0).action == Action::update);
  CHECK(updated.plan.changes.at(0).id == "p-7");
  CHECK(updated.plan.changes.at(1).id == "p-2");
}

TEST_CASE("--dedupe leaves copies that differ, or whose age is unknown, to a person") {
  LiveProfile first = live_employee_ids();
  first.created_at = "2026-11-30T08:00:00Z";
  LiveProfile second = live_employee_ids();
  second.id = "p-2";
  second.created_at = "2026-11-30T08:00:01Z";
  second.entries.at(1).regex = Sensitive("EMP-[0-9]{7}");
  const DesiredState desired = with_profiles({employee_ids()});
  const Outcome differ = run(desired, {.custom = {first, second}, .dedupe = true});
  CHECK(differ.plan.empty());
  REQUIRE(differ.problems.size() == 1);
  CHECK(differ.problems.front().ends_with(
      "they differ in what the configuration declares, so rename or delete one of them in the "
      "dashboard"));

  second.entries.at(1).regex = Sensitive("EMP-[0-9]{6}");
  second.created_at = "yesterday";
  const Outcome unknown = run(desired, {.custom = {first, second}, .dedupe = true});
  CHECK(unknown.plan.empty());
  REQUIRE(unknown.problems.size() == 1);
  CHECK(unknown.problems.front().ends_with(
      "their created_at cannot be read, so delete the copies in the dashboard"));
}

TEST_CASE("two live profiles with an undeclared name are left alone unless pruning") {
  LiveProfile first{.id = "x-1", .name = "Legacy"};
  LiveProfile second{.id = "x-2", .name = "Legacy"};
  const Outcome left = run(with_profiles({}), {.custom = {first, second}});
  CHECK(left.problems.empty());
  CHECK(left.plan.unmanaged.size() == 2);

  DesiredState pruning = with_profiles({});
  pruning.prune.profiles = true;
  CHECK(run(pruning, {.custom = {first, second}}).problems.size() == 1);
}

TEST_CASE("profiles absent from the configuration: unmanaged, or deleted when pruning") {
  const LiveProfile extra{
      .id = "x-1", .name = "Old profile", .entries = {live_regex("e", "A", "a")}};
  const Outcome left =
      run(with_profiles({employee_ids()}), {.custom = {live_employee_ids(), extra}});
  CHECK(left.plan.empty());
  REQUIRE(left.plan.unmanaged.size() == 1);
  CHECK(left.plan.unmanaged.front().name == "Old profile");

  DesiredState pruning = with_profiles({DesiredProfile{.name = "New", .allowed_match_count = 1}});
  pruning.prune.profiles = true;
  const Outcome pruned = run(pruning, {.custom = {extra}});
  REQUIRE(pruned.plan.changes.size() == 2);
  CHECK(pruned.plan.changes.at(0).action == Action::create);  // deletes come last
  CHECK(pruned.plan.changes.at(1).action == Action::delete_);
  CHECK(std::get<DeleteProfile>(pruned.plan.changes.at(1).payload).id == "x-1");
  CHECK(pruned.plan.unmanaged.empty());
}

LivePredefinedProfile credit_cards() {
  return {.id = "a7fa0471-2169-447c-8e9d-a2a9b34f6fc5",
          .name = "Credit Card Numbers",
          .entries = {{"v-1", "Visa Card Number", false}, {"m-1", "Mastercard Card Number", true}}};
}

TEST_CASE("predefined profiles: settings in one PUT, entries switched one by one") {
  DesiredState desired{.account_id = "a"};
  desired.predefined_profiles = {
      {.name = "Credit Card Numbers",
       .allowed_match_count = 1,
       .entries = {{"Visa Card Number", true}, {"Mastercard Card Number", true}}}};
  const Outcome out = run(desired, {.predefined = {credit_cards()}});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 2);
  const auto& update = std::get<UpdatePredefinedProfile>(out.plan.changes.at(0).payload);
  CHECK(update.allowed_match_count == 1);
  CHECK(update.confidence_threshold == Confidence::low);  // the live value, sent back
  const auto& toggle = std::get<TogglePredefinedEntry>(out.plan.changes.at(1).payload);
  CHECK(toggle.id == "v-1");
  CHECK(toggle.enabled);
  CHECK(out.plan.changes.at(1).parent == "Credit Card Numbers");
}

TEST_CASE("a predefined count the API answers out of bounds: the plan goes on, and warns") {
  LivePredefinedProfile odd = credit_cards();
  odd.allowed_match_count = 5000;
  DesiredState desired{.account_id = "a"};
  desired.predefined_profiles = {{.name = "Credit Card Numbers", .ocr_enabled = true}};
  const Outcome out = run(desired, {.predefined = {odd}});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(out.plan.warnings ==
        std::vector<std::string>{
            "predefined profile \"Credit Card Numbers\": the account's allowed_match_count 5000 "
            "is outside 0 to 1000, and this update sends it back as it is; declare "
            "allowed_match_count if the API refuses it"});
  desired.predefined_profiles[0].allowed_match_count = 10;  // declared: nothing to warn about
  CHECK(run(desired, {.predefined = {odd}}).plan.warnings.empty());
}

TEST_CASE("predefined profiles by id, and names that match nothing") {
  DesiredState desired{.account_id = "a"};
  desired.predefined_profiles = {
      {.id = "a7fa0471-2169-447c-8e9d-a2a9b34f6fc5", .entries = {{"Visa Card Number", false}}}};
  CHECK(run(desired, {.predefined = {credit_cards()}}).plan.empty());

  desired.predefined_profiles = {{.name = "Credit Cards"},
                                 {.name = "Credit Card Numbers", .entries = {{"Visa", true}}}};
  const Outcome out = run(desired, {.predefined = {credit_cards()}});
  CHECK(out.problems ==
        std::vector<std::string>{
            "predefined profile \"Credit Cards\" does not exist in the account (predefined "
            "profiles: \"Credit Card Numbers\")",
            "predefined profile \"Credit Card Numbers\" has no entry named \"Visa\""});
}

TEST_CASE("plan() turns problems into one error listing them all") {
  DesiredState desired{.account_id = "a"};
  desired.predefined_profiles = {{.name = "Nope"}, {.name = "Neither"}};
  const Result<Plan> plan = reconcile::plan(desired, {.profiles = LiveProfiles{}});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::plan);
  CHECK(plan.error().message() == "no safe plan: 2 problems");
  CHECK(plan.error().details.size() == 2);
}

TEST_CASE("a shared entry is named from live: predefined, dataset column, or the API's name") {
  LiveState live{.profiles = LiveProfiles{.custom = {live_employee_ids()}}};
  LivePredefinedProfile financial{.id = "pp-1", .name = "Financial Information"};
  financial.entries.push_back({.id = "56A8C060-01BB-4F89-BA1E-3AD42770A342", .name = "Visa"});
  live.profiles->predefined.push_back(financial);
  live.datasets = LiveDatasets{};
  live.datasets->datasets.push_back({.id = "ds-1",
                                     .name = "Customers",
                                     .encoding_version = 2,
                                     .columns = {{k_shared_b, "email"}}});
  DesiredProfile desired = employee_ids();
  desired.shared_entries = std::vector<SharedEntry>{{k_shared_a, false}, {k_shared_b, true}};
  const auto made = reconcile::plan(with_profiles({desired}), live);
  REQUIRE(made.has_value());
  REQUIRE(made->changes.size() == 1);
  const std::vector<FieldChange>& fields = made->changes.front().fields;
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].note == "\"Visa\" of predefined profile \"Financial Information\"");
  CHECK(fields[1].note == "column \"email\" of dataset \"Customers\"");

  // Known only by the name the API gave it where a profile shares it.
  LiveState shared_only{.profiles = LiveProfiles{.custom = {live_employee_ids()}}};
  shared_only.profiles->custom[0].shared_entry_names["56A8C060-01BB-4F89-BA1E-3AD42770A342"] =
      "Visa";
  const auto named = reconcile::plan(with_profiles({desired}), shared_only);
  REQUIRE(named.has_value());
  CHECK(named->changes.front().fields[0].note == "\"Visa\"");
  CHECK(named->changes.front().fields[1].note.empty());  // nothing names it: the id alone
}

}  // namespace
}  // namespace cfsync
