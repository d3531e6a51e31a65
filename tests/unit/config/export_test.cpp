// cfsync export: a live state rendered as YAML loads back, and plans clean against itself.
#include "config/export.hpp"
#include "config/digest_cache.hpp"
#include "reconcile/planner.hpp"
#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <functional>

namespace cfsync::config {
namespace {

using testing::k_account;

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    static constexpr char k_hex[] = "0123456789abcdef";
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

// Values a careless writer gets wrong: text that reads as a number, a boolean or null, YAML's
// own punctuation, quotes, a leading dash, non-ASCII.
LiveState tricky_account() {
  LiveState live;
  live.dlp_settings = LiveDlpSettings{.ai_context_analysis = true,
                                      .ocr = false,
                                      .masking_level = MaskingLevel::default_level,
                                      .public_key = Sensitive("")};
  LiveProfile profile{.id = "p-1",
                      .name = "Secrets: #1 \"quoted\"",
                      .description = "- starts with a dash",
                      .allowed_match_count = 7,
                      .confidence_threshold = Confidence::very_high,
                      .ocr_enabled = true};
  profile.entries.push_back({.id = "e-1",
                             .name = "true",
                             .kind = EntryKind::regex,
                             .regex = Sensitive("-----BEGIN [A-Z]{2,10} KEY----- 'x' \"y\" #z"),
                             .enabled = false,
                             .description = "123"});
  profile.entries.push_back({.id = "e-2",
                             .name = "Wörter",
                             .kind = EntryKind::words,
                             .words = make_word_list({"null", "a: b", "ü"})});
  profile.shared_entries = {{"aa601e70-a79b-446d-9a39-f767fa97fbad", true}};
  profile.data_tags = {"5f0c4e5c-9a52-4a43-8f4b-0e5a3b1c2d3e"};
  LivePredefinedProfile predefined{
      .id = "A7FA0471-2169-447C-8E9D-A2A9B34F6FC5",
      .name = "Credit Card Numbers",
      .allowed_match_count = 1,
      .confidence_threshold = Confidence::high,
      .entries = {{"AA601E70-A79B-446D-9A39-F767FA97FBAD", "Visa", true}, {"c-2", "Amex", false}}};
  live.profiles = LiveProfiles{.custom = {profile}, .predefined = {predefined}};
  LiveDataset words{.id = "d-1",
                    .name = "42",
                    .description = "on",
                    .case_sensitive = true,
                    .encoding_version = 1};
  LiveDataset edm{.id = "d-2", .name = "customers", .secret = true, .encoding_version = 2};
  live.datasets = LiveDatasets{.datasets = {words, edm}};
  return live;
}

TEST_CASE("a profile whose live regex cfsync refuses is exported without its entries") {
  test::TempDir dir;
  LiveState live = tricky_account();
  // Made before Cloudflare bounded regexes, or by another tool: it can match any length.
  live.profiles->custom[0].entries[0].regex = Sensitive("LEGACY-[0-9]+");
  const Exported exported = render_export({.account_id = k_account, .live = live});
  REQUIRE(exported.warnings.size() == 1);
  CHECK(exported.warnings[0].starts_with(
      "custom profile \"Secrets: #1 \"quoted\"\": its entries are not declared (so left as "
      "they are): entry \"true\" has a regex cfsync refuses: it can match text of any length"));
  CHECK(exported.warnings[0].find("LEGACY") == std::string::npos);
  CHECK(exported.yaml.find("LEGACY") == std::string::npos);
  auto config = testing::load_file(dir, exported.yaml);
  REQUIRE_MESSAGE(config, (config ? "" : config.error().describe()), "\n", exported.yaml);
  // Not declared: the planner leaves the entries as they are.
  CHECK_FALSE(config->desired.profiles.at(0).entries);
  auto plan = reconcile::plan(config->desired, live);
  REQUIRE(plan);
  CHECK(plan->changes.empty());
}

TEST_CASE("odd values the API may answer are not declared, and said: the export still loads") {
  test::TempDir dir;
  LiveState live = tricky_account();
  live.dlp_settings->public_key = Sensitive("not base64!");
  live.profiles->custom[0].allowed_match_count = 5000;
  live.profiles->predefined[0].allowed_match_count = -1;
  const Exported exported = render_export(
      {.account_id = k_account, .live = live, .public_key_file = std::string("payload.pub")});
  CHECK(exported.warnings ==
        std::vector<std::string>{
            "dlp settings: the payload-logging key is not strict base64, so it is not declared "
            "(it stays as it is)",
            "custom profile \"Secrets: #1 \"quoted\"\": allowed_match_count 5000 is outside 0 to "
            "1000, so it is not declared (it stays as it is)",
            "predefined profile \"Credit Card Numbers\": allowed_match_count -1 is outside 0 to "
            "1000, so it is not declared (it stays as it is)"});
  CHECK(exported.yaml.find("not base64") == std::string::npos);
  auto config = testing::load_file(dir, exported.yaml);
  REQUIRE_MESSAGE(config, (config ? "" : config.error().describe()), "\n", exported.yaml);
  CHECK_FALSE(config->desired.dlp_settings->public_key);
  CHECK_FALSE(config->desired.profiles.at(0).allowed_match_count);
  auto plan = reconcile::plan(config->desired, live);
  REQUIRE(plan);
  CHECK(plan->changes.empty());
}

TEST_CASE("an exported account loads back and plans clean against itself") {
  test::TempDir dir;
  const std::string readme = "# read me\n";
  const std::string binary("\x00\xff\x01", 3);
  ExportInput input{.account_id = k_account, .live = tricky_account()};
  const Metadata team{{"team", std::string("docs")}, {"version", 2.5}, {"code", std::string("7")}};
  const Metadata other{{"public", true}};
  ExportedInstance instance{.namespace_name = "default", .id = "kb", .items = 3, .dir = "ai/kb"};
  instance.written = {{.id = "i-1",
                       .key = "README.md",
                       .checksum = md5_hex(readme),
                       .file_size = readme.size(),
                       .metadata = team},
                      {.id = "i-2",
                       .key = "x/[draft]*.bin",
                       .checksum = md5_hex(binary),
                       .file_size = binary.size(),
                       .metadata = other},
                      {.id = "i-3",
                       .key = "x/more.md",
                       .checksum = md5_hex(readme),
                       .file_size = readme.size(),
                       .metadata = team}};
  input.instances = {instance};
  dir.write("ai/kb/README.md", readme);
  dir.write("ai/kb/x/[draft]*.bin", binary);
  dir.write("ai/kb/x/more.md", readme);

  const Exported exported = render_export(input);
  CHECK(exported.warnings.empty());
  // A shared entry is declared by id, and named in a comment.
  CHECK(exported.yaml.find("entry_id: aa601e70-a79b-446d-9a39-f767fa97fbad  # \"Visa\" of "
                           "predefined profile \"Credit Card Numbers\"\n") != std::string::npos);
  auto config = testing::load_file(dir, exported.yaml);
  REQUIRE_MESSAGE(config, (config ? "" : config.error().describe()), "\n", exported.yaml);

  // What the configuration declares is what the account holds.
  const DesiredState& desired = config->desired;
  REQUIRE(desired.profiles.size() == 1);
  CHECK(desired.profiles[0].name == "Secrets: #1 \"quoted\"");
  CHECK(desired.profiles[0].entries->at(0).regex->reveal() ==
        "-----BEGIN [A-Z]{2,10} KEY----- 'x' \"y\" #z");
  CHECK(desired.datasets.size() == 2);
  CHECK_FALSE(desired.datasets[0].file);
  CHECK_FALSE(desired.prune.profiles);
  REQUIRE(desired.ai_search_instances.size() == 1);
  CHECK(desired.ai_search_instances[0].prune);
  CHECK(desired.ai_search_instances[0].documents.at(0).metadata == team);
  CHECK(desired.ai_search_instances[0].documents.at(1).metadata == other);

  LiveState live = tricky_account();
  live.ai_search_instances = std::vector<LiveInstance>{
      {.namespace_name = "default", .id = "kb", .items = instance.written}};
  DesiredState planned = desired;
  auto cache = DigestCache::open(dir.path() / "state");
  REQUIRE(
      fill_digests(planned, reconcile::digests_needed(planned, *live.ai_search_instances), cache));
  auto plan = reconcile::plan(planned, live);
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().describe()));
  CHECK(plan->changes.empty());

  // Every value is managed: an edit of any of them in the dashboard is a change to undo.
  using Edit = std::function<void(LiveState&)>;
  const std::vector<std::pair<std::string, Edit>> edits = {
      {"settings.ocr", [](LiveState& l) { l.dlp_settings->ocr = true; }},
      {"masking_level", [](LiveState& l) { l.dlp_settings->masking_level = MaskingLevel::full; }},
      {"public_key", [](LiveState& l) { l.dlp_settings->public_key = Sensitive("YWJj"); }},
      {"allowed_match_count", [](LiveState& l) { l.profiles->custom[0].allowed_match_count = 1; }},
      {"confidence", [](LiveState& l) { l.profiles->custom[0].confidence_threshold = {}; }},
      {"profile ocr", [](LiveState& l) { l.profiles->custom[0].ocr_enabled = false; }},
      {"profile ai", [](LiveState& l) { l.profiles->custom[0].ai_context_enabled = true; }},
      {"description", [](LiveState& l) { l.profiles->custom[0].description = "x"; }},
      {"regex", [](LiveState& l) { l.profiles->custom[0].entries[0].regex = Sensitive("x"); }},
      {"entry enabled", [](LiveState& l) { l.profiles->custom[0].entries[0].enabled = true; }},
      {"entry description",
       [](LiveState& l) { l.profiles->custom[0].entries[0].description = "x"; }},
      {"shared entry",
       [](LiveState& l) { l.profiles->custom[0].shared_entries[0].enabled = false; }},
      {"data tags", [](LiveState& l) { l.profiles->custom[0].data_tags.clear(); }},
      {"predefined count", [](LiveState& l) { l.profiles->predefined[0].allowed_match_count = 9; }},
      {"predefined entry",
       [](LiveState& l) { l.profiles->predefined[0].entries[1].enabled = true; }},
      {"dataset description", [](LiveState& l) { l.datasets->datasets[0].description = "x"; }},
      {"case_sensitive", [](LiveState& l) { l.datasets->datasets[0].case_sensitive = false; }},
      {"item metadata",
       [](LiveState& l) { l.ai_search_instances->at(0).items[0].metadata["version"] = 3.0; }},
      {"item gone", [](LiveState& l) { l.ai_search_instances->at(0).items.pop_back(); }},
  };
  for (const auto& [name, edit] : edits) {
    CAPTURE(name);
    LiveState edited = live;
    edit(edited);
    DesiredState again = desired;
    REQUIRE(
        fill_digests(again, reconcile::digests_needed(again, *edited.ai_search_instances), cache));
    auto changed = reconcile::plan(again, edited);
    REQUIRE(changed);
    CHECK_FALSE(changed->changes.empty());
  }
}

TEST_CASE("what a configuration cannot declare is left out, with a warning") {
  LiveState live = tricky_account();
  live.profiles->custom.push_back(live.profiles->custom.front());
  live.profiles->custom.back().id = "p-2";
  ExportInput input{.account_id = k_account, .live = live};
  input.instances = {{.namespace_name = "default", .id = "kb", .items = 1},
                     {.namespace_name = "default",
                      .id = "docs",
                      .items = 2,
                      .dir = "ai/docs",
                      .written = {{.id = "i-1", .key = "a.md", .checksum = "c", .file_size = 1}},
                      .skipped = {".env: the key names a hidden file"}}};
  const Exported exported = render_export(input);
  CHECK(exported.warnings ==
        std::vector<std::string>{
            "custom profile \"Secrets: #1 \"quoted\"\" (id p-1) not exported: another profile has "
            "the same name; rename one in the dashboard",
            "custom profile \"Secrets: #1 \"quoted\"\" (id p-2) not exported: another profile has "
            "the same name; rename one in the dashboard",
            "AI Search instance default/kb holds 1 uploaded item, not declared: `cfsync export "
            "--dir DIR --with-documents` downloads and declares them",
            "AI Search instance default/docs: item .env: the key names a hidden file"});
  // An item left out must not be deleted by the next apply.
  CHECK(exported.yaml.find("prune: false  # 1 items not written") != std::string::npos);
  // An instance whose items are not downloaded is declared, and keeps them.
  INFO(exported.yaml);
  CHECK(exported.yaml.find("id: kb\n      prune: false\n") != std::string::npos);
}

TEST_CASE("document keys that cannot come back as the same file are refused") {
  CHECK_FALSE(document_key_problem("guides/setup.md"));
  CHECK_FALSE(document_key_problem("a b/ü.pdf"));
  CHECK(document_key_problem("") == "the key is empty");
  CHECK(document_key_problem("/etc/passwd") == "the key is an absolute path");
  CHECK(document_key_problem("a//b") == "the key has an empty path segment");
  CHECK(document_key_problem("a/") == "the key has an empty path segment");
  CHECK(document_key_problem("../x") == "the key has a . or .. segment");
  CHECK(document_key_problem("a/./b") == "the key has a . or .. segment");
  CHECK(document_key_problem("a/.git/config") ==
        "the key names a hidden file, which documents never are");
}

TEST_CASE("a key as a glob matches only itself") {
  CHECK(glob_escaped("a/[b]*?.md") == "a/\\[b\\]\\*\\?.md");
  CHECK(glob_escaped("back\\slash") == "back\\\\slash");
}

}  // namespace
}  // namespace cfsync::config
