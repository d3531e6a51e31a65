// The diff as tables: desired + live -> expected plan.
#include "reconcile/planner.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cfsync {
namespace {

const Sensitive k_key_a("a2V5LWE=");
const Sensitive k_key_b("a2V5LWI=");

LiveDlpSettings live_defaults() { return {}; }

struct Row {
  std::string name;
  DesiredDlpSettings desired;
  LiveDlpSettings live;
  std::vector<FieldChange> fields;  // empty: no change expected
  DesiredDlpSettings patch;
};

std::vector<Row> settings_rows() {
  LiveDlpSettings with_key = live_defaults();
  with_key.public_key = k_key_a;
  LiveDlpSettings ocr_on = live_defaults();
  ocr_on.ocr = true;
  return {
      {"nothing declared in the settings block", {}, ocr_on, {}, {}},
      {"equal values", {.ocr = true}, ocr_on, {}, {}},
      {"one field differs", {.ocr = false}, ocr_on, {{"ocr", true, false}}, {.ocr = false}},
      {"a key absent from the config is left alone",
       {.ai_context_analysis = true},
       ocr_on,
       {{"ai_context_analysis", false, true}},
       {.ai_context_analysis = true}},
      {"masking level is shown by name",
       {.masking_level = MaskingLevel::clear},
       live_defaults(),
       {{"payload_logging.masking_level", std::string("default"), std::string("clear")}},
       {.masking_level = MaskingLevel::clear}},
      {"declared disabled and live disabled", {.public_key = Sensitive()}, live_defaults(), {}, {}},
      {"enabling payload logging is masked",
       {.public_key = k_key_a},
       live_defaults(),
       {{"payload_logging.public_key", std::monostate{}, Masked{k_key_a}}},
       {.public_key = k_key_a}},
      {"a different key is masked on both sides",
       {.public_key = k_key_b},
       with_key,
       {{"payload_logging.public_key", Masked{k_key_a}, Masked{k_key_b}}},
       {.public_key = k_key_b}},
      {"disabling payload logging",
       {.public_key = Sensitive()},
       with_key,
       {{"payload_logging.public_key", Masked{k_key_a}, std::monostate{}}},
       {.public_key = Sensitive()}},
      {"same key", {.public_key = k_key_a}, with_key, {}, {}},
  };
}

TEST_CASE("dlp settings diff, field by field") {
  for (const Row& row : settings_rows()) {
    CAPTURE(row.name);
    DesiredState desired{.account_id = "a", .dlp_settings = row.desired};
    LiveState live{.dlp_settings = row.live};
    const Result<Plan> plan = reconcile::plan(desired, live);
    REQUIRE(plan);
    if (row.fields.empty()) {
      CHECK(plan->empty());
      continue;
    }
    REQUIRE(plan->changes.size() == 1);
    const Change& change = plan->changes.front();
    CHECK(change.kind == ResourceKind::dlp_settings);
    CHECK(change.action == Action::update);
    CHECK(change.name == "dlp settings");
    CHECK(change.fields == row.fields);
    CHECK(std::get<DesiredDlpSettings>(change.payload) == row.patch);
  }
}

TEST_CASE("every differing settings field goes into one change") {
  DesiredState desired{.account_id = "a",
                       .dlp_settings = DesiredDlpSettings{.ai_context_analysis = true,
                                                          .ocr = true,
                                                          .masking_level = MaskingLevel::full,
                                                          .public_key = k_key_a}};
  const Result<Plan> plan = reconcile::plan(desired, {.dlp_settings = live_defaults()});
  REQUIRE(plan);
  REQUIRE(plan->changes.size() == 1);
  CHECK(plan->changes.front().fields.size() == 4);
  CHECK(plan->summary().update == 1);
  CHECK(plan->summary().create == 0);
  CHECK(plan->summary().delete_ == 0);
}

TEST_CASE("no settings declared: nothing to do whatever the account holds") {
  LiveDlpSettings live = live_defaults();
  live.ocr = true;
  const Result<Plan> plan = reconcile::plan({.account_id = "a"}, {.dlp_settings = live});
  REQUIRE(plan);
  CHECK(plan->empty());
}

TEST_CASE("declared settings that were not read are an error, not an empty plan") {
  const Result<Plan> plan =
      reconcile::plan({.account_id = "a", .dlp_settings = DesiredDlpSettings{.ocr = true}}, {});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind() == ErrorKind::plan);
}

TEST_CASE("masking levels round-trip through their API names") {
  for (std::string_view name : masking_level_names()) {
    const auto level = parse_masking_level(name);
    REQUIRE(level);
    CHECK(to_string(*level) == name);
  }
  CHECK_FALSE(parse_masking_level("DEFAULT"));
}

}  // namespace
}  // namespace cfsync
