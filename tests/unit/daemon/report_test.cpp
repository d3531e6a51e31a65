// What people and pipelines read: the text plan, the JSON plan, and apply's report.
#include "daemon/report.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

namespace cfsync::daemon {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
const Sensitive k_key("c2VjcmV0LWtleS1ub3QtdG8tc2hvdw==");
// The state directory's key of the digests that stand for secrets.
const MaskKey k_mask = MaskKey::of(std::string(32, 'k'));
const RenderOptions k_keyed{.mask_key = &k_mask};

Plan sample_plan() {
  Change change;
  change.kind = ResourceKind::dlp_settings;
  change.name = "dlp settings";
  change.action = Action::update;
  change.fields = {{"ocr", false, true},
                   {"payload_logging.masking_level", std::string("default"), std::string("full")},
                   {"payload_logging.public_key", std::monostate{}, Masked{k_key}}};
  change.payload =
      DesiredDlpSettings{.ocr = true, .masking_level = MaskingLevel::full, .public_key = k_key};
  return Plan{{change}};
}

TEST_CASE("text plan: each field old to new, and a summary") {
  CHECK(plan_text(sample_plan(), k_account, k_keyed) ==
        "cfsync will make these changes to account 023e105f4ecef8ad9ca31a8372d0c353:\n"
        "\n"
        "  # dlp settings will be updated in place\n"
        "  ~ dlp_settings {\n"
        "      ~ ocr                           = false → true\n"
        "      ~ payload_logging.masking_level = \"default\" → \"full\"\n"
        "      ~ payload_logging.public_key    = null → hmac:8ac723df… (32 chars)\n"
        "    }\n"
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete.\n");
}

TEST_CASE("text plan with nothing to do") {
  CHECK(plan_text(Plan{}, k_account, {}) ==
        "No changes. Account 023e105f4ecef8ad9ca31a8372d0c353 matches the configuration.\n");
}

TEST_CASE("colour only when asked") {
  CHECK(plan_text(sample_plan(), k_account, {.color = true}).find("\x1b[33m~\x1b[0m") !=
        std::string::npos);
  CHECK(plan_text(sample_plan(), k_account, {}).find('\x1b') == std::string::npos);
}

TEST_CASE("JSON plan: the documented shape, secrets masked") {
  const std::string text = plan_json(sample_plan(), k_account, k_keyed);
  CHECK(text.find(k_key.reveal()) == std::string::npos);
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(text);
  CHECK(int64_t(root["format_version"]) == 1);
  CHECK(std::string_view(root["account_id"]) == k_account);
  const simdjson::dom::element change = root["changes"].at(0);
  CHECK(std::string_view(change["kind"]) == "dlp_settings");
  CHECK(std::string_view(change["action"]) == "update");
  CHECK(change["id"].is_null());
  const simdjson::dom::array fields = change["fields"];
  CHECK(fields.size() == 3);
  CHECK(std::string_view(fields.at(0)["field"]) == "ocr");
  CHECK(bool(fields.at(0)["before"]) == false);
  CHECK(bool(fields.at(0)["after"]) == true);
  CHECK(fields.at(0)["sensitive"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(fields.at(2)["before"].is_null());
  CHECK(std::string_view(fields.at(2)["after"]) == "hmac:8ac723df… (32 chars)");
  CHECK(bool(fields.at(2)["sensitive"]) == true);
  CHECK(int64_t(root["summary"]["update"]) == 1);
}

TEST_CASE("safety refusals are part of the text plan, before its summary") {
  const PlanOrigin origin{.safety = {"dlp_profile: the plan would delete 4 of 10", "second"}};
  const std::string text = plan_text(sample_plan(), k_account, k_keyed, origin);
  CHECK(
      text.ends_with("    }\n"
                     "\n"
                     "Safety: apply will refuse this plan without --force:\n"
                     "  dlp_profile: the plan would delete 4 of 10\n"
                     "  second\n"
                     "\n"
                     "Plan: 0 to create, 1 to update, 0 to delete.\n"));
  CHECK(plan_text(sample_plan(), k_account, k_keyed).find("Safety") == std::string::npos);
  CHECK(plan_text(sample_plan(), k_account, {.color = true}, origin)
            .find("\x1b[31mSafety\x1b[0m: apply will refuse") != std::string::npos);
}

TEST_CASE("JSON plan: safety is an array, empty when apply would not refuse") {
  simdjson::dom::parser parser;
  const PlanOrigin origin{.safety = {"dlp_profile: too many"}};
  simdjson::dom::element root = parser.parse(plan_json(sample_plan(), k_account, k_keyed, origin));
  CHECK(root["safety"].get_array().size() == 1);
  CHECK(std::string_view(root["safety"].at(0)) == "dlp_profile: too many");
  root = parser.parse(plan_json(sample_plan(), k_account, k_keyed, PlanOrigin{}));
  CHECK(root["safety"].get_array().size() == 0);
  // A saved plan's JSON (no origin) is the changes alone, as before.
  root = parser.parse(plan_json(sample_plan(), k_account, k_keyed));
  CHECK(root["safety"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("an error as JSON: its kind, its message and its details") {
  Error error(ErrorKind::config, "invalid configuration: 1 error");
  error.details = {"cfsync.yaml:4:5: unknown key \"ocrr\""};
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(error_json(error));
  CHECK(std::string_view(root["error"]["kind"]) == "config");
  CHECK(std::string_view(root["error"]["message"]) == "invalid configuration: 1 error");
  CHECK(std::string_view(root["error"]["details"].at(0)) ==
        "cfsync.yaml:4:5: unknown key \"ocrr\"");

  Error http(ErrorKind::http, "the API answered HTTP 400");
  http.api_errors = {{1001, "Invalid request body"}};
  const simdjson::dom::element api = parser.parse(error_json(http));
  CHECK(std::string_view(api["error"]["message"]) ==
        "the API answered HTTP 400 [1001: Invalid request body]");
  CHECK(api["error"]["details"].get_array().size() == 0);
  CHECK(std::string_view(parser.parse(error_json("fatal", "bad_alloc"))["error"]["kind"]) ==
        "fatal");
}

TEST_CASE("validate as JSON") {
  simdjson::dom::parser parser;
  const simdjson::dom::element root =
      parser.parse(validate_json(k_account, 2, {"dlp settings", "1 dlp profile"}));
  CHECK(bool(root["valid"]));
  CHECK(std::string_view(root["account_id"]) == k_account);
  CHECK(int64_t(root["files"]) == 2);
  CHECK(std::string_view(root["declares"].at(1)) == "1 dlp profile");
}

TEST_CASE("apply report: what was done, what failed, and the totals") {
  const Plan plan = sample_plan();
  api::ApplyReport done{{{.change = 0}}};
  CHECK(apply_text(plan, done, {}) ==
        "dlp settings: updated (ocr, payload_logging.masking_level, payload_logging.public_key)\n"
        "\n"
        "Apply complete: 0 created, 1 updated, 0 deleted.\n");

  Error error(ErrorKind::http, "the API answered HTTP 400");
  error.api_errors = {{1001, "Invalid request body"}};
  api::ApplyReport failed{{{.change = 0, .error = error}}};
  CHECK(apply_text(plan, failed, {}) ==
        "dlp settings: update failed: the API answered HTTP 400 [1001: Invalid request body]\n"
        "\n"
        "Apply failed: 0 created, 0 updated, 0 deleted, 1 failed.\n");

  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(apply_json(plan, failed, k_account, {}));
  CHECK(std::string_view(root["changes"].at(0)["status"]) == "failed");
  CHECK(int64_t(root["summary"]["failed"]) == 1);
}

TEST_CASE("control characters from the API or the configuration never reach the terminal raw") {
  const std::string hostile =
      "\x1b]0;pwned\x07\x1b[2J\r\xc2\x9b"
      "31m\xff";
  Change change;
  change.kind = ResourceKind::dlp_profile_entry;
  change.name = "e" + hostile;
  change.parent = "p" + hostile;
  change.action = Action::update;
  change.reason = "because" + hostile;
  change.fields = {{"entries[\"e" + hostile + "\"].enabled", false, true}};
  change.payload = UpdateEntry{};
  Plan plan{{change}};
  plan.unmanaged = {{ResourceKind::dlp_profile, "u" + hostile, "id" + hostile}};
  plan.warnings = {"warned" + hostile};
  Error error(ErrorKind::apply, "failed" + hostile);
  error.details = {"detail" + hostile};
  const api::ApplyReport failed{{{.change = 0, .error = error}}};
  for (const std::string& text : {plan_text(plan, k_account, {}), apply_text(plan, failed, {}),
                                  apply_text(plan, api::ApplyReport{{{.change = 0}}}, {})}) {
    CAPTURE(text);
    const bool raw = std::any_of(text.begin(), text.end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return (byte < 0x20 && c != '\n') || byte == 0x7f || byte == 0xff;
    });
    CHECK_FALSE(raw);
    CHECK(text.find("\xc2\x9b") == std::string::npos);  // U+009B, CSI
  }
  CHECK(plan_text(plan, k_account, {})
            .find("(because\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\u009b31m\\xff)") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::daemon

namespace cfsync::daemon {
namespace {

Plan profile_plan() {
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::dlp_profile_entry,
                          .name = "Employee number",
                          .parent = "Employee IDs",
                          .id = "e-1",
                          .action = Action::update,
                          .fields = {{"regex", Protected::regex(Sensitive("EMP-[0-9]{6}")),
                                      Protected::regex(Sensitive("EMP-[0-9]{7}"))}},
                          .payload = DeleteEntry{"e-1"}});
  plan.changes.push_back(
      {.kind = ResourceKind::dlp_profile,
       .name = "Badges",
       .action = Action::create,
       .fields = {{"entries[\"W\"].words", {}, Protected::words({"badge", "lanyard"})},
                  {"data_tags", {}, StringList{"t-1", "t-2"}}},
       .payload = DeleteEntry{"x"}});
  plan.unmanaged.push_back({ResourceKind::dlp_profile, "Legacy", "p-9"});
  return plan;
}

TEST_CASE("a protected value reads as a digest keyed by the state directory, with its size") {
  const Protected regex = Protected::regex(Sensitive("EMP-[0-9]{6}"));
  // HMAC-SHA256 under the key: nobody without it can test a guess against the plan.
  CHECK(digest_of(regex, &k_mask) == "hmac:80baac1c… (12 chars)");
  const MaskKey other = MaskKey::of(std::string(32, 'j'));
  CHECK(digest_of(regex, &other) == "hmac:d8746374… (12 chars)");
  // Not the plain SHA-256 anyone could compute (sha256("EMP-[0-9]{6}") begins eefa11aa).
  CHECK(digest_of(regex, &k_mask).find("eefa11aa") == std::string::npos);
  CHECK(digest_of(regex, nullptr) == "(12 chars)");
  CHECK(digest_of(Protected::words({"badge"}), &k_mask).ends_with("(1 word)"));
  CHECK(digest_of(Protected::regex(Sensitive("x")), &k_mask).ends_with("(1 char)"));
  CHECK(digest_of(Content{std::string(64, 'b'), 2048}, &k_mask) == "hmac:03536e31… (2048 bytes)");
  CHECK(digest_of(Content{std::string(64, 'a'), std::nullopt}, &k_mask) == "hmac:de0e03c5…");
  // Every content reads this one way, with the dataset version holding it when that is known.
  CHECK(digest_of(Content{std::string(64, 'a'), std::nullopt, 7}, &k_mask) ==
        "hmac:de0e03c5… version 7");
  CHECK(digest_of(Content{.version = 3, .failed = true}, &k_mask) == "version 3 (failed)");
  CHECK(digest_of(Content{"", 12}, &k_mask) == "(12 bytes)");
  CHECK(digest_of(Content{std::string(64, 'a'), 12}, nullptr) == "(12 bytes)");
}

TEST_CASE("a shared entry's field says what the entry is, in text, JSON and Markdown") {
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "P",
                          .id = "p-1",
                          .action = Action::update,
                          .fields = {{"shared_entries[\"e-9\"].enabled", std::monostate{}, true,
                                      "\"Visa\" of predefined profile \"Financial\""}}});
  const std::string text = plan_text(plan, k_account, k_keyed);
  CHECK(text.find("~ shared_entries[\"e-9\"].enabled = null → true  # \"Visa\" of predefined "
                  "profile \"Financial\"\n") != std::string::npos);
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(plan_json(plan, k_account, k_keyed));
  CHECK(std::string_view(root["changes"].at(0)["fields"].at(0)["note"]) ==
        "\"Visa\" of predefined profile \"Financial\"");
  CHECK(plan_markdown(plan, k_account, k_keyed)
            .find("+ shared_entries[\"e-9\"].enabled = true  # \"Visa\" of predefined profile "
                  "\"Financial\"\n") != std::string::npos);
}

TEST_CASE("a key's id names it without giving it away") {
  CHECK(k_mask.id() == "b87bdc9b8bb27565");
  CHECK(MaskKey::ephemeral().id() != MaskKey::ephemeral().id());
  CHECK_FALSE(MaskKey::ephemeral().persistent());
}

TEST_CASE("text plan for entries, lists and unmanaged profiles, regexes as digests") {
  const std::string text = plan_text(profile_plan(), k_account, k_keyed);
  INFO(text);
  CHECK(
      text.find("  # entry \"Employee number\" of dlp profile \"Employee IDs\" will be updated in "
                "place\n"
                "  ~ dlp_profile_entry \"Employee IDs\" / \"Employee number\" {\n"
                "      ~ regex = hmac:80baac1c… (12 chars) → hmac:ae970ff0… (12 chars)\n") !=
      std::string::npos);
  CHECK(text.find("+ entries[\"W\"].words = hmac:") != std::string::npos);
  // Field names are padded to the longest in their block.
  const std::size_t padding = std::string_view("entries[\"W\"].words").size() - 9;
  CHECK(text.find("+ data_tags" + std::string(padding, ' ') + " = [\"t-1\", \"t-2\"]") !=
        std::string::npos);
  CHECK(text.find("Not in the configuration, left alone (set prune.profiles: true to delete "
                  "them):\n  dlp_profile \"Legacy\" (id p-9)\n") != std::string::npos);
  CHECK(text.find("EMP-") == std::string::npos);
  CHECK(text.find("lanyard") == std::string::npos);
}

TEST_CASE("--show-sensitive shows regexes and word lists") {
  const std::string text = plan_text(profile_plan(), k_account, {.show_sensitive = true});
  CHECK(text.find("~ regex = \"EMP-[0-9]{6}\" → \"EMP-[0-9]{7}\"") != std::string::npos);
  CHECK(text.find("= [\"badge\", \"lanyard\"]") != std::string::npos);

  simdjson::dom::parser parser;
  const simdjson::dom::element shown =
      parser.parse(plan_json(profile_plan(), k_account, {.show_sensitive = true}));
  CHECK(std::string_view(shown["changes"].at(0)["fields"].at(0)["after"]) == "EMP-[0-9]{7}");
  CHECK(std::string_view(shown["changes"].at(1)["fields"].at(0)["after"].at(1)) == "lanyard");
}

TEST_CASE("JSON plan: parent, sensitive digests, unmanaged") {
  const std::string text = plan_json(profile_plan(), k_account, k_keyed);
  CHECK(text.find("EMP-") == std::string::npos);
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(text);
  const simdjson::dom::element entry = root["changes"].at(0);
  CHECK(std::string_view(entry["kind"]) == "dlp_profile_entry");
  CHECK(std::string_view(entry["parent"]) == "Employee IDs");
  CHECK(std::string_view(entry["id"]) == "e-1");
  CHECK(std::string_view(entry["fields"].at(0)["before"]) == "hmac:80baac1c… (12 chars)");
  CHECK(bool(entry["fields"].at(0)["sensitive"]));
  CHECK(root["changes"].at(1)["parent"].is_null());
  CHECK(std::string_view(root["unmanaged"].at(0)["name"]) == "Legacy");
}

TEST_CASE("apply report names entries with their profile") {
  const Plan plan = profile_plan();
  const api::ApplyReport report{{{.change = 0}, {.change = 1}}};
  CHECK(apply_text(plan, report, {}) ==
        "entry \"Employee number\" of dlp profile \"Employee IDs\": updated (regex)\n"
        "dlp profile \"Badges\": created\n"
        "\n"
        "Apply complete: 1 created, 1 updated, 0 deleted.\n");
}

}  // namespace
}  // namespace cfsync::daemon

namespace cfsync::daemon {
namespace {

Plan documents_plan() {
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                          .name = "guides/a.md",
                          .parent = "default/support-docs",
                          .id = "i-1",
                          .action = Action::replace,
                          .fields = {{"size", std::int64_t{8}, std::int64_t{11}}},
                          .payload = DeleteItem{}});
  plan.unmanaged.push_back({ResourceKind::ai_search_item, "old.md", "i-9", "default/support-docs"});
  return plan;
}

TEST_CASE("a replace reads -/+ and counts apart") {
  const std::string text = plan_text(documents_plan(), k_account, {});
  INFO(text);
  CHECK(
      text.find("  # document \"guides/a.md\" of AI Search instance \"default/support-docs\" will "
                "be replaced (deleted, then uploaded again)\n"
                "  -/+ ai_search_item \"default/support-docs\" / \"guides/a.md\" {\n"
                "      -/+ size = 8 → 11\n") != std::string::npos);
  CHECK(text.find(
            "Not in the configuration, left alone (set prune: true on the instance to "
            "delete them):\n  ai_search_item \"default/support-docs\" / \"old.md\" (id i-9)\n") !=
        std::string::npos);
  CHECK(text.ends_with("Plan: 0 to create, 0 to update, 1 to replace, 0 to delete.\n"));

  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(plan_json(documents_plan(), k_account, {}));
  CHECK(std::string_view(root["changes"].at(0)["action"]) == "replace");
  CHECK(int64_t(root["summary"]["replace"]) == 1);
  CHECK(std::string_view(root["unmanaged"].at(0)["parent"]) == "default/support-docs");
}

TEST_CASE("apply with --wait lists indexing errors and fails") {
  const Plan plan = documents_plan();
  api::ApplyReport report{{{.change = 0, .item_id = "i-2"}}};
  report.indexing = api::IndexingReport{
      {{"default/support-docs", "guides/a.md", ItemStatus::error, "cannot parse"},
       {"default/support-docs", "b.md", ItemStatus::completed, ""}}};
  CHECK(apply_text(plan, report, {}) ==
        "document \"guides/a.md\" of AI Search instance \"default/support-docs\": replaced\n"
        "\n"
        "Indexing: 1 completed, 1 error.\n"
        "  error \"default/support-docs\" / \"guides/a.md\": cannot parse\n"
        "\n"
        "Apply failed: 0 created, 0 updated, 1 replaced, 0 deleted, but indexing did not "
        "succeed.\n");

  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(apply_json(plan, report, k_account, {}));
  CHECK(std::string_view(root["indexing"]["items"].at(0)["error"]) == "cannot parse");
  CHECK(bool(root["indexing"]["timed_out"]) == false);
}

Plan dataset_plan() {
  Change upload{.kind = ResourceKind::dlp_dataset,
                .name = "customer-records",
                .id = "ds-2",
                .action = Action::update,
                .reason = "new version: the file changed since version 3 was uploaded"};
  upload.fields = {{"columns[\"email\"].num_cells", std::int64_t{2}, std::int64_t{3}},
                   {"content", Content{std::string(64, 'a'), std::nullopt},
                    Content{std::string(64, 'b'), 2048}}};
  upload.payload = UploadDataset{.id = "ds-2"};
  Plan plan{{upload}};
  plan.unmanaged.push_back({ResourceKind::dlp_dataset, "old-terms", "ds-9"});
  return plan;
}

TEST_CASE("a dataset upload says why, unmanaged datasets name their prune setting") {
  CHECK(plan_text(dataset_plan(), k_account, k_keyed) ==
        "cfsync will make these changes to account 023e105f4ecef8ad9ca31a8372d0c353:\n"
        "\n"
        "  # dataset \"customer-records\" will be updated in place (new version: the file changed "
        "since version 3 was uploaded)\n"
        "  ~ dlp_dataset \"customer-records\" {\n"
        "      ~ columns[\"email\"].num_cells = 2 → 3\n"
        "      ~ content                    = hmac:de0e03c5… → hmac:03536e31… (2048 bytes)\n"
        "    }\n"
        "\n"
        "Not in the configuration, left alone (set prune.datasets: true to delete them):\n"
        "  dlp_dataset \"old-terms\" (id ds-9)\n"
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete.\n");
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(plan_json(dataset_plan(), k_account, {}));
  CHECK(std::string_view(root["changes"].at(0)["reason"]) ==
        "new version: the file changed since version 3 was uploaded");
}

TEST_CASE("apply lists datasets whose processing failed, with their columns") {
  const Plan plan = dataset_plan();
  api::ApplyReport report{{{.change = 0, .dataset_id = "ds-2", .dataset_version = 4}}};
  report.processing =
      api::ProcessingReport{{{"customer-records", 4, UploadStatus::failed, {"email", "phone"}}}};
  CHECK(apply_text(plan, report, {}) ==
        "dataset \"customer-records\": updated (columns[\"email\"].num_cells, content)\n"
        "\n"
        "Dataset processing: 1 failed.\n"
        "  failed dataset \"customer-records\" version 4 (columns [\"email\", \"phone\"])\n"
        "\n"
        "Apply failed: 0 created, 1 updated, 0 deleted, but dataset processing did not "
        "succeed.\n");
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(apply_json(plan, report, k_account, {}));
  const simdjson::dom::element dataset = root["processing"]["datasets"].at(0);
  CHECK(std::string_view(dataset["status"]) == "failed");
  CHECK(int64_t(dataset["version"]) == 4);
  CHECK(std::string_view(dataset["failed_columns"].at(1)) == "phone");

  report.processing =
      api::ProcessingReport{{{"customer-records", 4, UploadStatus::processing, {}}}, true};
  CHECK(apply_text(plan, report, {})
            .find("  unfinished dataset \"customer-records\" version 4: still processing\n"
                  "Dataset processing did not finish within --wait-timeout.\n") !=
        std::string::npos);
}

}  // namespace
}  // namespace cfsync::daemon
