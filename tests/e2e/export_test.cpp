// End to end: `cfsync export` of an account holding every kind cfsync manages, and the round
// trip: the exported configuration plans clean against the same account.
#include "tests/support/emulator_process.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;

// Instances in two namespaces (one empty) and an EDM dataset, as the dashboard would make them.
const std::string k_fixture =
    R"({"ai_search":{"instances":[{"namespace":"default","id":"support-docs","managed":true},)"
    R"({"namespace":"team-x","id":"kb","managed":true},)"
    R"({"namespace":"default","id":"empty","managed":true}]},)"
    R"("dlp":{"datasets":[{"name":"customer-records","encoding_version":2,)"
    R"("columns":["email","account"]}]}})";

const std::string k_public_key = "ZXhwb3J0LXRlc3QgcGF5bG9hZCBrZXksIDMyIGJ5dGVz";
const std::string k_binary("pdf\x00\xff\xfe bytes", 13);

// Every kind: settings with a payload key, custom profiles with regex, word and shared entries,
// a predefined profile, a word list and an EDM dataset, and documents of two instances with
// two sets of metadata.
std::string seed_config() {
  return std::string("account_id: ") + k_account + R"(
dlp:
  settings:
    ocr: true
    ai_context_analysis: false
    payload_logging:
      masking_level: partial
      public_key: )" +
         k_public_key + R"(
  profiles:
    - name: "Employee IDs: #1"
      description: Internal numbers
      allowed_match_count: 3
      confidence_threshold: medium
      entries:
        - name: Employee number
          regex: 'EMP-[0-9]{6}'
          description: "42"
        - name: Badge words
          words: [badge number, "true"]
          enabled: false
      shared_entries:
        - entry_id: aa601e70-a79b-446d-9a39-f767fa97fbad
          enabled: true
    - name: Source code secrets
      entries:
        - name: Private key header
          regex: '-----BEGIN (RSA|EC) PRIVATE KEY-----'
  predefined_profiles:
    - name: Credit Card Numbers
      allowed_match_count: 1
      entries:
        - name: Visa Card Number
          enabled: true
  datasets:
    - name: blocked-terms
      description: Terms that must not leave the company
      kind: word_list
      file: data/terms.txt
      case_sensitive: false
    - name: customer-records
      kind: edm
      file: data/customers.csv
ai_search:
  instances:
    - id: support-docs
      prune: true
      documents:
        - dir: docs/
          exclude: ["faq/**"]
          metadata: {team: support, version: 2, public: true, code: "123"}
        - dir: docs/
          include: ["faq/**"]
          metadata: {team: faq}
    - namespace: team-x
      id: kb
      documents:
        - dir: docs/guides
)";
}

class Account {
 public:
  Account()
      : m_fixture(m_dir.write("fixture.json", k_fixture)),
        m_emulator({"--fixture", m_fixture.string()}) {
    m_dir.write("seed/data/terms.txt", "project falcon\nmerger\n");
    m_dir.write("seed/data/customers.csv", "email,account\na@example.com,1001\n");
    m_dir.write("seed/docs/welcome.md", "# Welcome\n");
    m_dir.write("seed/docs/guides/setup.md", "Run cfsync.\n");
    m_dir.write("seed/docs/faq/a[1].pdf", k_binary);
    m_dir.write("seed/cfsync.yaml", seed_config());
    const ProcessResult applied = cfsync({"apply", "-c", path("seed").string()});
    REQUIRE_MESSAGE(applied.exit_code == 0, applied.err);
    m_emulator.reset_log();
  }

  [[nodiscard]] fs::path path(const std::string& relative) const { return m_dir.path() / relative; }
  [[nodiscard]] const EmulatorProcess& emulator() const { return m_emulator; }

  ProcessResult cfsync(std::vector<std::string> args) const {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--api-url", m_emulator.url(), "--state-dir",
                             (m_dir.path() / ("state-" + args.front())).string()});
    return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  }

  ProcessResult export_to(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"export", "--account", k_account};
    args.insert(args.end(), extra.begin(), extra.end());
    return cfsync(args);
  }

  // `plan --detailed-exitcode` of a configuration: 0 when nothing would change.
  ProcessResult plan(const fs::path& config) const {
    return cfsync({"plan", "-c", config.string(), "--detailed-exitcode"});
  }

 private:
  TempDir m_dir;
  fs::path m_fixture;
  EmulatorProcess m_emulator;
};

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST_CASE("export prints a configuration that plans clean against the account") {
  Account account;
  const ProcessResult exported = account.export_to();
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  // Reads only: the namespaces, their instances, the settings, profiles, datasets, item pages.
  const std::vector<LoggedRequest> requests = account.emulator().requests();
  CHECK(writes(requests).empty());
  CHECK(requests.size() == 9);
  // The payload key is never printed; the instances are declared with their settings, and their
  // documents named, not declared, without --dir.
  CHECK(exported.out.find(k_public_key) == std::string::npos);
  CHECK(exported.out.find("id: support-docs") != std::string::npos);
  CHECK(exported.out.find("documents:") == std::string::npos);
  CHECK(exported.err.find("AI Search instance default/support-docs holds 3 uploaded items") !=
        std::string::npos);
  CHECK(exported.err.find("AI Search instance team-x/kb holds 1 uploaded item,") !=
        std::string::npos);

  const fs::path config = account.path("exported/cfsync.yaml");
  fs::create_directories(config.parent_path());
  std::ofstream(config) << exported.out;
  const ProcessResult plan = account.plan(config.parent_path());
  INFO(plan.out);
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  CHECK(plan.out.find("No changes.") != std::string::npos);
}

TEST_CASE("export --dir --with-documents writes the files too, and plans clean") {
  Account account;
  const fs::path dir = account.path("adopted");
  const ProcessResult exported = account.export_to({"--dir", dir.string(), "--with-documents"});
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  CHECK(exported.err.empty());
  CHECK(exported.out.find("Wrote " + (dir / "cfsync.yaml").string()) == 0);
  CHECK(writes(account.emulator().requests()).empty());

  CHECK(read(dir / "keys/payload-log.pub") == k_public_key + "\n");
  CHECK((fs::status(dir / "keys/payload-log.pub").permissions() & fs::perms::group_read) ==
        fs::perms::none);
  CHECK(read(dir / "ai-search/default/support-docs/faq/a[1].pdf") == k_binary);
  CHECK(read(dir / "ai-search/default/support-docs/guides/setup.md") == "Run cfsync.\n");
  CHECK(read(dir / "ai-search/team-x/kb/setup.md") == "Run cfsync.\n");
  CHECK_FALSE(fs::exists(dir / "ai-search/default/empty"));

  const ProcessResult plan = account.plan(dir);
  INFO(plan.out);
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);

  // The documents are declared, not just copied: a file removed is an item deleted.
  fs::remove(dir / "ai-search/default/support-docs/welcome.md");
  const ProcessResult pruned = account.plan(dir);
  CHECK(pruned.exit_code == 2);
  CHECK(pruned.out.find("welcome.md") != std::string::npos);
}

TEST_CASE("export refuses to overwrite, and --with-documents needs a directory") {
  Account account;
  const fs::path dir = account.path("seed");
  const std::string before = read(dir / "cfsync.yaml");
  const ProcessResult refused = account.export_to({"--dir", dir.string()});
  CHECK(refused.exit_code == 1);
  CHECK(
      refused.err.find("is not empty; export writes a new configuration and overwrites nothing") !=
      std::string::npos);
  CHECK(read(dir / "cfsync.yaml") == before);

  const ProcessResult no_dir = account.export_to({"--with-documents"});
  CHECK(no_dir.exit_code == 1);
  CHECK(no_dir.err.find("--with-documents writes files, so it needs --dir DIR") !=
        std::string::npos);
  const ProcessResult bad_account = account.cfsync({"export", "--account", "nope"});
  CHECK(bad_account.exit_code == 1);
  CHECK(bad_account.err.find("--account must be 32 lower-case hex characters") !=
        std::string::npos);
  CHECK(account.emulator().requests().empty());
}

// Issue 15: names from the API become directories of the export; one that is not the spec's
// own pattern must never lead out of --dir.
TEST_CASE("export skips an instance whose name would lead out of --dir") {
  TempDir dir;
  const std::string fixture =
      dir.write("fixture.json",
                R"({"ai_search":{"instances":[{"namespace":"default","id":"../../escaped"},)"
                R"({"namespace":"default","id":"kept"}]}})")
          .string();
  EmulatorProcess emulator({"--fixture", fixture});
  const ProcessResult exported =
      run({binary("cfsync"), "export", "--account", k_account, "--api-url", emulator.url(), "--dir",
           (dir.path() / "out" / "export").string(), "--with-documents"},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(exported.exit_code == 0, exported.err);
  CHECK(exported.err.find("AI Search instance default/../../escaped not exported: its namespace "
                          "or id does not match the API's own pattern") != std::string::npos);
  // Nothing beside the export directory, and only the kept instance in the configuration.
  std::vector<std::string> beside;
  for (const auto& entry : fs::directory_iterator(dir.path() / "out")) {
    beside.push_back(entry.path().filename().string());
  }
  CHECK(beside == std::vector<std::string>{"export"});
  CHECK_FALSE(fs::exists(dir.path() / "escaped"));
}

}  // namespace
}  // namespace cfsync::test
