// The Markdown plan and apply report, as pasted into a pull request's comment.
//
// Golden files: a fixed plan and a fixed apply report rendered to Markdown are compared byte for
// byte with tests/unit/daemon/golden/plan.md and apply.md. After an intended change of the
// rendering, regenerate them and review the difference:
//
//   CFSYNC_UPDATE_GOLDEN=1 build/bin/daemon_tests -tc='markdown golden*'
//   git diff tests/unit/daemon/golden/
#include "daemon/report.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cfsync::daemon {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
const MaskKey k_mask = MaskKey::of(std::string(32, 'k'));
const RenderOptions k_keyed{.mask_key = &k_mask};

// Compares `text` with the golden file `name`, or writes it with CFSYNC_UPDATE_GOLDEN=1.
void check_golden(const std::string& name, const std::string& text) {
  const std::string path = test::source_dir() + "/tests/unit/daemon/golden/" + name;
  if (std::getenv("CFSYNC_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE_MESSAGE(out.good(), "cannot write " << path);
    MESSAGE("wrote " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "no golden file " << path);
  std::stringstream golden;
  golden << in.rdbuf();
  CHECK(text == golden.str());
}

// One change of each action, names that look like markup, a secret, a drift, a reason.
Plan fixed_plan() {
  Plan plan;
  plan.changes.push_back({.kind = ResourceKind::dlp_settings,
                          .name = "dlp settings",
                          .action = Action::update,
                          .fields = {{"ocr", false, true},
                                     {"payload_logging.public_key", std::monostate{},
                                      Masked{Sensitive("c2VjcmV0LWtleS1ub3QtdG8tc2hvdw==")}}},
                          .origin = Origin::drift,
                          .payload = DeleteEntry{"x"}});
  plan.changes.push_back(
      {.kind = ResourceKind::dlp_profile,
       .name = "Badges | <b>bold</b> `code` @team",
       .action = Action::create,
       .fields = {{"description", {}, std::string("a | b <i>x</i> ``` fence")},
                  {"entries[\"W\"].words", {}, Protected::words({"badge", "lanyard"})}},
       .payload = DeleteEntry{"x"}});
  plan.changes.push_back({.kind = ResourceKind::dlp_profile_entry,
                          .name = "Employee number",
                          .parent = "Employee IDs",
                          .id = "e-1",
                          .action = Action::update,
                          .fields = {{"regex", Protected::regex(Sensitive("EMP-[0-9]{6}")),
                                      Protected::regex(Sensitive("EMP-[0-9]{7}"))}},
                          .payload = DeleteEntry{"e-1"}});
  plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                          .name = "guides/a.md",
                          .parent = "default/support-docs",
                          .id = "i-1",
                          .action = Action::replace,
                          .fields = {{"size", std::int64_t{8}, std::int64_t{11}}},
                          .reason = "the content changed",
                          .payload = DeleteItem{}});
  plan.changes.push_back({.kind = ResourceKind::ai_search_instance,
                          .name = "support-docs",
                          .id = "support-docs",
                          .action = Action::move,
                          .fields = {{"namespace", std::string("default"), std::string("docs")}},
                          .payload = DeleteItem{}});
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "Old",
                          .id = "p-3",
                          .action = Action::delete_,
                          .fields = {{"description", std::string("gone"), {}}},
                          .payload = DeleteEntry{"x"}});
  plan.unmanaged.push_back({ResourceKind::dlp_profile, "Legacy *not* ours", "p-9"});
  plan.warnings.push_back("dataset \"terms\": version 2 failed processing");
  return plan;
}

PlanOrigin fixed_origin() {
  return {.revision = "main@sha1:0123456789abcdef0123456789abcdef01234567",
          .safety = {"dlp_profile: the plan would delete or replace 4 of 10 live dlp_profile "
                     "(40%), more than 30% (safety.dlp_profile.max_delete_percent)"}};
}

TEST_CASE("markdown golden: a plan") {
  check_golden("plan.md", plan_markdown(fixed_plan(), k_account, k_keyed, fixed_origin()));
}

TEST_CASE("markdown golden: an apply report") {
  Error error(ErrorKind::http, "the API answered HTTP 400");
  error.api_errors = {{1001, "Invalid request body"}};
  error.details = {"check the profile's entries"};
  api::ApplyReport report{{{.change = 0},
                           {.change = 1},
                           {.change = 2, .error = error},
                           {.change = 3},
                           {.change = 4},
                           {.change = 5}}};
  report.processing = api::ProcessingReport{{{"terms", 2, UploadStatus::failed, {"email"}}}};
  check_golden("apply.md", apply_markdown(fixed_plan(), report, k_account, k_keyed));
}

TEST_CASE("markdown: the summary table counts by kind and action, in the families' order") {
  const std::string text = plan_markdown(fixed_plan(), k_account, k_keyed);
  INFO(text);
  CHECK(text.find("| Kind | Create | Update | Replace | Move | Delete |\n"
                  "| :-- | --: | --: | --: | --: | --: |\n"
                  "| `dlp_settings` | 0 | 1 | 0 | 0 | 0 |\n"
                  "| `dlp_profile` | 1 | 0 | 0 | 0 | 1 |\n"
                  "| `dlp_profile_entry` | 0 | 1 | 0 | 0 | 0 |\n") != std::string::npos);
  CHECK(text.find("| `ai_search_item` | 0 | 0 | 1 | 0 | 0 |\n") != std::string::npos);
  CHECK(text.find("| `ai_search_instance` | 0 | 0 | 0 | 1 | 0 |\n") != std::string::npos);
  CHECK(text.find("| **Total** | 1 | 2 | 1 | 1 | 1 |\n") != std::string::npos);
  CHECK(text.ends_with(
      "**Plan:** 1 to create, 2 to update, 1 to replace, 1 to move, 1 to delete.\n"));
}

TEST_CASE("markdown: one collapsible section per change, its fields as a diff") {
  const std::string text = plan_markdown(fixed_plan(), k_account, k_keyed);
  INFO(text);
  CHECK(text.find("<details><summary><code>~ dlp_profile_entry &quot;Employee IDs&quot; / "
                  "&quot;Employee number&quot;</code> will be updated in place</summary>\n"
                  "\n"
                  "```diff\n"
                  "- regex = hmac:80baac1c… (12 chars)\n"
                  "+ regex = hmac:ae970ff0… (12 chars)\n"
                  "```\n"
                  "\n"
                  "</details>\n") != std::string::npos);
  CHECK(text.find("- description = \"gone\"\n```") != std::string::npos);  // a delete: old only
}

TEST_CASE("markdown: secrets read as the text plan's digests, in clear only when asked") {
  const std::string masked = plan_markdown(fixed_plan(), k_account, k_keyed);
  CHECK(masked.find("EMP-") == std::string::npos);
  CHECK(masked.find("lanyard") == std::string::npos);
  CHECK(masked.find("c2VjcmV0") == std::string::npos);
  const std::string text = plan_text(fixed_plan(), k_account, k_keyed);
  CHECK(text.find("hmac:80baac1c… (12 chars)") != std::string::npos);
  CHECK(masked.find("hmac:80baac1c… (12 chars)") != std::string::npos);

  const std::string shown = plan_markdown(fixed_plan(), k_account, {.show_sensitive = true});
  CHECK(shown.find("EMP-[0-9]{7}") != std::string::npos);
  CHECK(shown.find("c2VjcmV0") == std::string::npos);  // the payload-logging key, never
}

TEST_CASE("markdown: names and values never become markup, mentions or a closed fence") {
  const std::string text = plan_markdown(fixed_plan(), k_account, k_keyed);
  INFO(text);
  // In the <summary> HTML block: HTML escapes.
  CHECK(text.find("<code>+ dlp_profile &quot;Badges | &lt;b&gt;bold&lt;/b&gt; `code` "
                  "&#64;team&quot;</code>") != std::string::npos);
  CHECK(text.find("<b>bold") == std::string::npos);
  // In a code block: as it is, inside a fence longer than any run of backticks in it.
  CHECK(text.find("````diff\n+ description        = \"a | b <i>x</i> ``` fence\"\n") !=
        std::string::npos);
  // In Markdown: backslash escapes.
  CHECK(text.find("- `dlp_profile` \"Legacy \\*not\\* ours\" (id p-9)") != std::string::npos);
  CHECK(text.find("Revision: main\\@sha1:0123") == std::string::npos);  // no origin given
  const std::string with_origin = plan_markdown(fixed_plan(), k_account, k_keyed, fixed_origin());
  CHECK(with_origin.find("Revision: main\\@sha1:0123") != std::string::npos);
  // Control characters are written out, as in text.
  Plan hostile = fixed_plan();
  hostile.changes.at(1).name = "a\nb\x1b[2J";
  const std::string escaped = plan_markdown(hostile, k_account, k_keyed);
  CHECK(escaped.find("a\\nb\\u001b[2J") != std::string::npos);  // as JSON quotes it
  CHECK(escaped.find('\x1b') == std::string::npos);
}

TEST_CASE("markdown: the origin and the safety refusals come first, then warnings") {
  PlanOrigin origin = fixed_origin();
  origin.suspended = true;
  const std::string text = plan_markdown(fixed_plan(), k_account, k_keyed, origin);
  INFO(text);
  const std::size_t revision = text.find("Revision: main\\@sha1:");
  const std::size_t suspended = text.find("> **Suspended:**");
  const std::size_t safety = text.find(
      "> **:warning: Safety: apply will refuse this plan without `--force`:**\n"
      "> - dlp\\_profile: the plan would delete or replace 4 of 10 live dlp\\_profile "
      "(40%), more than 30% (safety.dlp\\_profile.max\\_delete\\_percent)\n");
  const std::size_t warning =
      text.find("> **Warnings:**\n> - dataset \"terms\": version 2 failed processing\n");
  const std::size_t table = text.find("| Kind |");
  CHECK(revision < suspended);
  CHECK(suspended < safety);
  CHECK(safety < warning);
  CHECK(warning < table);
  CHECK(table != std::string::npos);
}

TEST_CASE("markdown: no changes is one line") {
  CHECK(plan_markdown(Plan{}, k_account, {}) ==
        "**cfsync plan:** no changes. Account `023e105f4ecef8ad9ca31a8372d0c353` matches the "
        "configuration.\n");
  CHECK(plan_markdown(Plan{}, k_account, {}, {.revision = "main@sha1:ab"}) ==
        "**cfsync plan:** no changes. Account `023e105f4ecef8ad9ca31a8372d0c353` matches the "
        "configuration at main\\@sha1:ab.\n");
}

TEST_CASE("markdown apply report: applied and failed counted apart, errors in full") {
  Error error(ErrorKind::apply, "failed <here>");
  error.details = {"because ``` of this"};
  const Plan plan = fixed_plan();
  const api::ApplyReport report{{{.change = 0}, {.change = 1, .error = error}}};
  const std::string text = apply_markdown(plan, report, k_account, k_keyed);
  INFO(text);
  CHECK(text.find("| `dlp_settings` | 0 | 1 | 0 | 0 | 0 | 0 |\n"
                  "| `dlp_profile` | 0 | 0 | 0 | 0 | 0 | 1 |\n"
                  "| **Total** | 0 | 1 | 0 | 0 | 0 | 1 |\n") != std::string::npos);
  CHECK(text.find("create <b>failed</b></summary>") != std::string::npos);
  CHECK(text.find("````text\nfailed <here>\nbecause ``` of this\n````\n") != std::string::npos);
  CHECK(text.ends_with("**Apply failed:** 0 created, 1 updated, 0 deleted, 1 failed.\n"));
}

}  // namespace
}  // namespace cfsync::daemon
