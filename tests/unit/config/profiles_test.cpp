// dlp.profiles, dlp.predefined_profiles and prune: what is read, and every error with its place.
#include "config/load.hpp"

#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

TEST_CASE("the issue's example reads as desired profiles") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(
dlp:
  profiles:
    - name: Employee IDs
      description: Internal employee numbers
      allowed_match_count: 3
      confidence_threshold: medium
      ocr_enabled: false
      ai_context_enabled: false
      entries:
        - name: Employee number
          regex: 'EMP-[0-9]{6}'
          enabled: true
          description: optional text
        - name: Badge words
          words: [lanyard, badge, badge]
      shared_entries:
        - entry_id: 56A8C060-01BB-4F89-BA1E-3AD42770A342
          enabled: true
      data_classes: []
      data_tags: []
      sensitivity_levels:
        - group_id: 56a8c060-01bb-4f89-ba1e-3ad42770a342
          level_id: 9b1c9d33-6e37-4a64-9d0e-1cbb2f0c6a11
  predefined_profiles:
    - name: Credit Card Numbers
      allowed_match_count: 1
      confidence_threshold: high
      entries:
        - name: Visa Card Number
          enabled: true
    - id: a7fa0471-2169-447c-8e9d-a2a9b34f6fc5
prune:
  profiles: true
)");
  REQUIRE(config);
  const DesiredState& desired = config->desired;
  REQUIRE(desired.profiles.size() == 1);
  const DesiredProfile& profile = desired.profiles.front();
  CHECK(profile.name == "Employee IDs");
  CHECK(profile.description == "Internal employee numbers");
  CHECK(profile.allowed_match_count == 3);
  CHECK(profile.confidence_threshold == Confidence::medium);
  CHECK(profile.ocr_enabled == false);
  REQUIRE(profile.entries);
  REQUIRE(profile.entries->size() == 2);
  CHECK(profile.entries->at(0).regex->reveal() == "EMP-[0-9]{6}");
  CHECK(profile.entries->at(0).description == "optional text");
  CHECK(profile.entries->at(1).words == WordList{"badge", "lanyard"});  // a set
  CHECK(profile.entries->at(1).enabled);                                // the default
  CHECK(profile.shared_entries ==
        std::vector<SharedEntry>{{"56a8c060-01bb-4f89-ba1e-3ad42770a342", true}});
  CHECK(profile.data_classes == std::vector<std::string>{});
  CHECK(profile.sensitivity_levels->size() == 1);
  REQUIRE(desired.predefined_profiles.size() == 2);
  CHECK(desired.predefined_profiles.at(0).entries.at(0).name == "Visa Card Number");
  CHECK(desired.predefined_profiles.at(1).id == "a7fa0471-2169-447c-8e9d-a2a9b34f6fc5");
  CHECK(desired.prune.profiles);
}

TEST_CASE("what is not declared is not managed") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + "dlp:\n  profiles:\n    - name: Bare\n");
  REQUIRE(config);
  const DesiredProfile& profile = config->desired.profiles.front();
  CHECK_FALSE(profile.description);
  CHECK_FALSE(profile.allowed_match_count);
  CHECK_FALSE(profile.entries);
  CHECK_FALSE(profile.shared_entries);
  CHECK_FALSE(profile.data_classes);
  CHECK_FALSE(config->desired.prune.profiles);
}

TEST_CASE("profile errors: ranges, enums, names, regexes, entries") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  profiles:
    - name: Employee IDs
      allowed_match_count: 1001
      confidence_threshold: extreme
      ocr_enabled: maybe
      entries:
        - name: A
          regex: '(?<=x)EMP'
        - name: B
          regex: 'EMP-[0-9'
        - name: A
          regex: x
        - name: C
          regex: x
          words: [a]
        - name: D
        - regex: x
        - name: E
          words: []
    - description: no name
    - name: Employee IDs
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:5:28: dlp.profiles[\"Employee IDs\"].allowed_match_count: expected an "
            "integer from 0 to 1000, got \"1001\"",
            "cfsync.yaml:6:29: dlp.profiles[\"Employee IDs\"].confidence_threshold: expected one "
            "of low, medium, high, very_high, got \"extreme\"",
            "cfsync.yaml:7:20: dlp.profiles[\"Employee IDs\"].ocr_enabled: expected a boolean "
            "(true or false), got \"maybe\"",
            "cfsync.yaml:10:18: dlp.profiles[\"Employee IDs\"].entries[\"A\"].regex: uses "
            "look-around, which Cloudflare's regex engine does not support (at character 1)",
            "cfsync.yaml:12:18: dlp.profiles[\"Employee IDs\"].entries[\"B\"].regex: has a "
            "character class that is not closed (a [ without its ]) (at character 5)",
            "cfsync.yaml:13:11: dlp.profiles[\"Employee IDs\"].entries: \"A\" is declared twice: "
            "here and at cfsync.yaml:9:11",
            "cfsync.yaml:17:18: dlp.profiles[\"Employee IDs\"].entries[\"C\"]: set regex or words, "
            "not both",
            "cfsync.yaml:18:11: dlp.profiles[\"Employee IDs\"].entries[\"D\"]: set regex (a "
            "pattern) or words (a list)",
            "cfsync.yaml:19:11: dlp.profiles[\"Employee IDs\"].entries[5]: name is required",
            "cfsync.yaml:21:18: dlp.profiles[\"Employee IDs\"].entries[\"E\"].words: expected at "
            "least one word",
            "cfsync.yaml:22:7: dlp.profiles[1]: name is required",
            "cfsync.yaml:23:7: dlp.profiles: \"Employee IDs\" is declared twice: here and at "
            "cfsync.yaml:4:7",
        });
}

TEST_CASE("a regex is never repeated in an error") {
  TempDir dir;
  const std::string secretish = "ACME-INTERNAL-(?=[0-9]{4})";
  const auto config = load_file(dir, k_account_line +
                                         "dlp:\n  profiles:\n    - name: P\n"
                                         "      entries:\n        - name: E\n"
                                         "          regex: '" +
                                         secretish + "'\n");
  for (const std::string& line : problems(config, dir)) {
    CHECK(line.find("ACME-INTERNAL") == std::string::npos);
  }
}

TEST_CASE("a regex that can match text of any length is refused where it is written") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  profiles:
    - name: Employees
      entries:
        - name: ids
          regex: 'EMP-[0-9]+'
        - name: codes
          regex: '[A-Z]{2,}-\d{4}'
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:7:18: dlp.profiles[\"Employees\"].entries[\"ids\"].regex: can match text "
            "of any length (the + at character 10); Cloudflare refuses such a regex: bound the "
            "repetition with {1,N}, N the most you need (for example [0-9]{1,20} instead of "
            "[0-9]+)",
            "cfsync.yaml:9:18: dlp.profiles[\"Employees\"].entries[\"codes\"].regex: can match "
            "text of any length (the {2,} at character 6); Cloudflare refuses such a regex: bound "
            "the repetition with {2,N}, N the most you need (for example [0-9]{2,20} instead of "
            "[0-9]{2,})",
        });
}

TEST_CASE("a word list or a key in the wrong shape is never repeated in an error") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  settings:
    payload_logging:
      public_key: [c2VjcmV0LWtleQ==]
  profiles:
    - name: P
      entries:
        - name: W
          words: project falcon, merger
        - name: V
          words: [[nested secret]]
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:5:19: dlp.settings.payload_logging.public_key: expected a string, got a "
            "sequence",
            "cfsync.yaml:10:18: dlp.profiles[\"P\"].entries[\"W\"].words: expected a sequence, got "
            "a string of 22 character(s)",
            "cfsync.yaml:12:19: dlp.profiles[\"P\"].entries[\"V\"].words[0]: expected a string, "
            "got a sequence",
        });
}

TEST_CASE("shared entries, lists and sensitivity levels") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  profiles:
    - name: P
      shared_entries:
        - entry_id: 56a8c060-01bb-4f89-ba1e-3ad42770a342
        - entry_id: 56A8C060-01BB-4F89-BA1E-3AD42770A342
          enabled: false
        - enabled: true
        - entry_id: nope
      data_classes: [1234]
      data_tags: tag
      sensitivity_levels:
        - group_id: 56a8c060-01bb-4f89-ba1e-3ad42770a342
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:7:21: dlp.profiles[\"P\"].shared_entries: "
            "\"56a8c060-01bb-4f89-ba1e-3ad42770a342\" is declared twice: here and at "
            "cfsync.yaml:6:21",
            "cfsync.yaml:9:11: dlp.profiles[\"P\"].shared_entries[2]: entry_id is required",
            "cfsync.yaml:10:21: dlp.profiles[\"P\"].shared_entries[3].entry_id: expected a uuid "
            "(8-4-4-4-12 hex digits), got \"nope\"",
            "cfsync.yaml:11:22: dlp.profiles[\"P\"].data_classes[0]: expected a uuid (8-4-4-4-12 "
            "hex digits), got \"1234\"",
            "cfsync.yaml:12:18: dlp.profiles[\"P\"].data_tags: expected a sequence, got \"tag\"",
            "cfsync.yaml:14:11: dlp.profiles[\"P\"].sensitivity_levels[0]: group_id and level_id "
            "are required",
        });
}

TEST_CASE("predefined profile errors") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  predefined_profiles:
    - allowed_match_count: 2
    - name: Credit Card Numbers
      entries:
        - name: Visa Card Number
        - name: Visa Card Number
          enabled: true
        - enabled: false
      colour: blue
    - id: not-a-uuid
    - name: Credit Card Numbers
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:4:7: dlp.predefined_profiles[0]: name or id is required",
            "cfsync.yaml:7:11: dlp.predefined_profiles[\"Credit Card Numbers\"].entries[\"Visa "
            "Card Number\"]: enabled is required",
            "cfsync.yaml:8:11: dlp.predefined_profiles[\"Credit Card Numbers\"].entries: \"Visa "
            "Card Number\" is declared twice: here and at cfsync.yaml:7:11",
            "cfsync.yaml:10:11: dlp.predefined_profiles[\"Credit Card Numbers\"].entries[2]: name "
            "is required",
            "cfsync.yaml:11:7: unknown key \"colour\" in dlp.predefined_profiles[\"Credit Card "
            "Numbers\"]; expected one of: name, id, allowed_match_count, confidence_threshold, "
            "ocr_enabled, ai_context_enabled, entries",
            "cfsync.yaml:12:11: dlp.predefined_profiles[\"not-a-uuid\"].id: expected a uuid "
            "(8-4-4-4-12 hex digits), got \"not-a-uuid\"",
            "cfsync.yaml:13:7: dlp.predefined_profiles: \"Credit Card Numbers\" is declared twice: "
            "here and at cfsync.yaml:5:7",
        });
}

TEST_CASE("profiles merge across files, a name in two files names both places") {
  TempDir dir;
  dir.write("conf/a.yaml",
            k_account_line + "dlp:\n  profiles:\n    - name: One\n    - name: Two\n");
  dir.write("conf/b.yaml", "dlp:\n  profiles:\n    - name: Three\n    - name: One\n");
  const auto clash = load({.path = dir.path() / "conf"});
  CHECK(problems(clash, dir) ==
        std::vector<std::string>{"conf/b.yaml:4:7: dlp.profiles: \"One\" is declared twice: here "
                                 "and at conf/a.yaml:4:7"});
  dir.write("conf/b.yaml", "dlp:\n  profiles:\n    - name: Three\n");
  const auto merged = load({.path = dir.path() / "conf"});
  REQUIRE(merged);
  CHECK(merged->desired.profiles.size() == 3);
}

TEST_CASE("prune: a boolean per kind, declared once") {
  TempDir dir;
  CHECK(problems(load_file(dir, k_account_line + "prune:\n  profiles: yes\n  dataset: true\n"),
                 dir) ==
        std::vector<std::string>{
            "cfsync.yaml:3:13: prune.profiles: expected a boolean (true or false), got \"yes\"",
            "cfsync.yaml:4:3: unknown key \"dataset\" in prune; did you mean \"datasets\"?"});
}

}  // namespace
}  // namespace cfsync::config
