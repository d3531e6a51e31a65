// End to end: DLP profiles with the real cfsync against the real emulator. Every apply is
// followed by a plan that must be clean and read once; writes are counted.
#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;

const std::string k_header = std::string("account_id: ") + k_account + "\n";

const std::string k_employee_ids = R"(
    - name: Employee IDs
      description: Internal employee numbers
      allowed_match_count: 3
      confidence_threshold: medium
      entries:
        - name: Employee number
          regex: 'EMP-[0-9]{6}'
        - name: Badge words
          words: [badge, lanyard]
        - name: Contractor number
          regex: 'CTR-[0-9]{5}'
          enabled: false
      shared_entries:
        - entry_id: 1fa4a9bf-9303-48a0-9faf-121a65181898
          enabled: true
)";

std::string profiles_config(const std::string& profiles, const std::string& extra = {}) {
  return k_header + "dlp:\n  profiles:" + profiles + extra;
}

class Account {
 public:
  ProcessResult cfsync(std::vector<std::string> args) const {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", m_dir.path().string(), "--api-url", m_emulator.url()});
    return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  }

  // Applies `yaml` and returns the writes it made.
  std::vector<LoggedRequest> apply(const std::string& yaml) {
    m_dir.write("cfsync.yaml", yaml);
    m_emulator.reset_log();
    const ProcessResult result = cfsync({"apply"});
    INFO(result.out);
    REQUIRE_MESSAGE(result.exit_code == 0, result.err);
    return writes(m_emulator.requests());
  }

  // The configuration applied is what the account holds: a plan reads once and writes nothing.
  void check_converged() {
    m_emulator.reset_log();
    const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
    INFO(plan.out);
    CHECK_MESSAGE(plan.exit_code == 0, plan.err);
    const std::vector<LoggedRequest> requests = m_emulator.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests.front().method == "GET");
    CHECK(requests.front().path == std::string("/accounts/") + k_account + "/dlp/profiles");
  }

  // A profile made behind cfsync's back, as the dashboard would.
  std::string create_directly(const std::string& body) const {
    const HttpReply reply = http_request(
        m_emulator.port(), "POST", std::string("/accounts/") + k_account + "/dlp/profiles/custom",
        {{"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}},
        body);
    REQUIRE(reply.status == 200);
    simdjson::dom::parser parser;
    return std::string(parser.parse(reply.body)["result"]["id"].get_string().value());
  }

  void write(const std::string& yaml) const { m_dir.write("cfsync.yaml", yaml); }
  EmulatorProcess& emulator() { return m_emulator; }

 private:
  EmulatorProcess m_emulator;
  TempDir m_dir;
};

std::vector<std::string> calls(const std::vector<LoggedRequest>& requests) {
  std::vector<std::string> out;
  const std::string prefix = std::string("/accounts/") + k_account + "/dlp";
  for (const LoggedRequest& request : requests) {
    std::string path = request.path.substr(prefix.size());
    // Ids of custom profiles and entries differ from run to run: keep the shape of the path.
    for (std::string_view kind : {"/profiles/custom/", "/entries/custom/", "/entries/"}) {
      const std::string_view rest =
          std::string_view(path).substr(std::min(path.size(), kind.size()));
      if (path.starts_with(kind) && !rest.empty() && rest.find('/') == std::string_view::npos) {
        path = std::string(kind) + "{id}";
        break;
      }
    }
    out.push_back(request.method + " " + path);
  }
  return out;
}

TEST_CASE("create: one POST per profile with its entries, then clean") {
  Account account;
  const std::string two = k_employee_ids + R"(
    - name: Source code secrets
      entries:
        - name: Private key header
          regex: '-----BEGIN (RSA|EC) PRIVATE KEY-----'
)";
  CHECK(calls(account.apply(profiles_config(two))) ==
        std::vector<std::string>{"POST /profiles/custom", "POST /profiles/custom"});
  account.check_converged();
}

TEST_CASE("each scalar field: one PUT, then clean") {
  Account account;
  account.apply(profiles_config(k_employee_ids));
  struct Row {
    std::string from;
    std::string to;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"description: Internal employee numbers", "description: Staff numbers"},
           {"allowed_match_count: 3", "allowed_match_count: 10"},
           {"confidence_threshold: medium", "confidence_threshold: very_high"},
           {"      entries:", "      ocr_enabled: true\n      entries:"},
           {"      entries:", "      ai_context_enabled: true\n      entries:"},
           {"          enabled: true\n", "          enabled: false\n"},  // the shared entry
       }) {
    CAPTURE(row.to);
    std::string changed = k_employee_ids;
    changed.replace(changed.find(row.from), row.from.size(), row.to);
    CHECK(calls(account.apply(profiles_config(changed))) ==
          std::vector<std::string>{"PUT /profiles/custom/{id}"});
    account.check_converged();
    account.apply(profiles_config(k_employee_ids));  // back, for the next row
  }
}

TEST_CASE("entries: add, change and remove are one write each, reordering is none") {
  Account account;
  account.apply(profiles_config(k_employee_ids));

  // A new last entry: it goes before shared_entries, which stays as it is.
  std::string added = k_employee_ids;
  added.insert(added.find("      shared_entries:"),
               "        - name: Visitor pass\n          regex: 'VIS-[0-9]{4}'\n");
  CHECK(calls(account.apply(profiles_config(added))) == std::vector<std::string>{"POST /entries"});
  account.check_converged();

  std::string changed = added;
  changed.replace(changed.find("VIS-[0-9]{4}"), 12, "VIS-[0-9]{5}");
  CHECK(calls(account.apply(profiles_config(changed))) ==
        std::vector<std::string>{"PUT /entries/custom/{id}"});
  account.check_converged();

  CHECK(calls(account.apply(profiles_config(k_employee_ids))) ==
        std::vector<std::string>{"DELETE /entries/{id}"});
  account.check_converged();

  const std::string reordered = R"(
    - name: Employee IDs
      confidence_threshold: medium
      shared_entries:
        - enabled: true
          entry_id: 1FA4A9BF-9303-48A0-9FAF-121A65181898
      entries:
        - name: Contractor number
          enabled: false
          regex: 'CTR-[0-9]{5}'
        - name: Badge words
          words: [lanyard, badge]
        - name: Employee number
          regex: 'EMP-[0-9]{6}'
      allowed_match_count: 3
      description: Internal employee numbers
)";
  CHECK(account.apply(profiles_config(reordered)).empty());
}

TEST_CASE("a changed word list is refused with the way out, and nothing is written") {
  Account account;
  account.apply(profiles_config(k_employee_ids));
  std::string changed = k_employee_ids;
  changed.replace(changed.find("[badge, lanyard]"), 16, "[badge, keycard]");
  account.write(profiles_config(changed));
  account.emulator().reset_log();
  const ProcessResult result = account.cfsync({"apply"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("entry \"Badge words\" has different words") != std::string::npos);
  CHECK(writes(account.emulator().requests()).empty());
}

TEST_CASE("prune off lists profiles it does not manage, prune on deletes them") {
  Account account;
  account.apply(profiles_config(k_employee_ids));
  const std::string legacy = account.create_directly(R"({"name": "Legacy"})");

  account.emulator().reset_log();
  const ProcessResult kept = account.cfsync({"plan", "--detailed-exitcode"});
  CHECK(kept.exit_code == 0);
  CHECK(kept.out.find("dlp_profile \"Legacy\" (id " + legacy + ")") != std::string::npos);

  const std::string pruning = profiles_config(k_employee_ids, "prune:\n  profiles: true\n");
  CHECK(calls(account.apply(pruning)) == std::vector<std::string>{"DELETE /profiles/custom/{id}"});
  account.check_converged();
}

TEST_CASE("two live profiles with a declared name: exit 1 naming both ids, nothing written") {
  Account account;
  const std::string first = account.create_directly(R"({"name": "Employee IDs"})");
  const std::string second = account.create_directly(R"({"name": "Employee IDs"})");
  account.write(profiles_config(k_employee_ids));
  account.emulator().reset_log();
  const ProcessResult result = account.cfsync({"apply"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("(ids " + first + " and " + second + ")") != std::string::npos);
  CHECK(writes(account.emulator().requests()).empty());
}

TEST_CASE("copies made by two writers: the plan points at --dedupe, which keeps the oldest") {
  Account account;
  const std::string oldest = account.create_directly(R"({"name": "Employee IDs"})");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // created_at has milliseconds
  const std::string copy = account.create_directly(R"({"name": "Employee IDs"})");
  account.write(
      profiles_config("\n    - name: Employee IDs\n      entries:\n"
                      "        - name: Employee number\n"
                      "          regex: 'EMP-[0-9]{6}'\n"));
  const ProcessResult stuck = account.cfsync({"plan"});
  CHECK(stuck.exit_code == 1);
  CHECK(stuck.err.find("`cfsync apply --dedupe` keeps the oldest and deletes the others") !=
        std::string::npos);

  account.emulator().reset_log();
  const ProcessResult deduped = account.cfsync({"apply", "--dedupe"});
  INFO(deduped.out);
  CHECK_MESSAGE(deduped.exit_code == 0, deduped.err);
  CHECK(deduped.out.find("(a copy of profile " + oldest) != std::string::npos);
  const std::vector<LoggedRequest> made = writes(account.emulator().requests());
  CHECK(std::count_if(made.begin(), made.end(), [&](const LoggedRequest& request) {
          return request.method == "DELETE" && request.path.ends_with("/profiles/custom/" + copy);
        }) == 1);
  const HttpReply live = http_request(account.emulator().port(), "GET",
                                      std::string("/accounts/") + k_account + "/dlp/profiles",
                                      {{"Authorization", std::string("Bearer ") + k_token}});
  CHECK(live.body.find(oldest) != std::string::npos);
  CHECK(live.body.find(copy) == std::string::npos);
  account.check_converged();
}

TEST_CASE("an invalid regex: exit 1 before any request, the regex not repeated") {
  Account account;
  account.write(
      profiles_config("\n    - name: P\n      entries:\n        - name: E\n"
                      "          regex: 'ACME-(?=[0-9]{4})'\n"));
  const ProcessResult result = account.cfsync({"plan"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("cfsync.yaml:7:18: dlp.profiles[\"P\"].entries[\"E\"].regex: uses "
                        "look-around") != std::string::npos);
  CHECK(result.err.find("ACME") == std::string::npos);
  CHECK(account.emulator().requests().empty());
}

TEST_CASE("predefined profile settings and entry toggles, then clean") {
  Account account;
  const std::string predefined = k_header + R"(dlp:
  predefined_profiles:
    - name: Credit Card Numbers
      allowed_match_count: 1
      confidence_threshold: high
      entries:
        - name: Visa Card Number
          enabled: true
        - name: Mastercard Card Number
          enabled: false
)";
  CHECK(calls(account.apply(predefined)) ==
        std::vector<std::string>{"PUT /profiles/predefined/a7fa0471-2169-447c-8e9d-a2a9b34f6fc5",
                                 "PUT /entries/predefined/1fa4a9bf-9303-48a0-9faf-121a65181898"});
  account.check_converged();

  account.write(k_header + "dlp:\n  predefined_profiles:\n    - name: Credit Cards\n");
  const ProcessResult unknown = account.cfsync({"plan"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("predefined profile \"Credit Cards\" does not exist") !=
        std::string::npos);
}

TEST_CASE("plans mask regexes and word lists unless --show-sensitive") {
  Account account;
  account.write(profiles_config(k_employee_ids));
  const ProcessResult masked = account.cfsync({"plan"});
  // Keyed by the state directory: the same digest from it every time, another from another
  // directory, and never the plain SHA-256 (of EMP-[0-9]{6}: eefa11aa…) a guess could be tested
  // against.
  const std::string line = "hmac:";
  const std::size_t at = masked.out.find(line);
  REQUIRE(at != std::string::npos);
  const std::string digest = masked.out.substr(at + line.size(), 8);
  CHECK(account.cfsync({"plan"}).out.find(line + digest) != std::string::npos);
  const TempDir other;
  const ProcessResult elsewhere = account.cfsync({"plan", "--state-dir", other.path().string()});
  CHECK(elsewhere.out.find(line) != std::string::npos);
  CHECK(elsewhere.out.find(line + digest) == std::string::npos);
  CHECK(masked.out.find("eefa11aa") == std::string::npos);
  CHECK(fs::status(other.path() / "mask.key").permissions() ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(masked.out.find("EMP-") == std::string::npos);
  CHECK(masked.out.find("lanyard") == std::string::npos);
  const ProcessResult shown = account.cfsync({"plan", "--show-sensitive"});
  CHECK(shown.out.find("\"EMP-[0-9]{6}\"") != std::string::npos);
  CHECK(shown.out.find("\"lanyard\"") != std::string::npos);
}

TEST_CASE("examples/profiles applies and converges") {
  Account account;
  const std::string example = source_dir() + "/examples/profiles/cfsync.yaml";
  const TempDir state;  // not the example's own, which other tests use at the same time
  std::vector<std::string> argv = {binary("cfsync"),
                                   "apply",
                                   "-c",
                                   example,
                                   "--api-url",
                                   account.emulator().url(),
                                   "--state-dir",
                                   state.path().string()};
  const ProcessResult apply = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  argv[1] = "plan";
  argv.insert(argv.begin() + 2, "--detailed-exitcode");
  account.emulator().reset_log();
  const ProcessResult plan = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  CHECK(account.emulator().requests().size() == 1);
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

// `count` profiles named P0, P1, …, pruned.
std::string numbered_profiles(int count, const std::string& extra = "") {
  std::string yaml = std::string("account_id: ") + k_account + "\ndlp:\n  profiles:\n";
  for (int i = 0; i < count; ++i) yaml += "    - name: P" + std::to_string(i) + "\n";
  return yaml + "prune:\n  profiles: true\n" + extra;
}

TEST_CASE("safety: a plan deleting 40% of 10 profiles is refused before any write, --force") {
  Account account;
  account.apply(numbered_profiles(10));
  account.write(numbered_profiles(6));
  account.emulator().reset_log();
  const ProcessResult plan = account.cfsync({"plan"});
  CHECK(plan.exit_code == 0);
  CHECK(plan.err.find("apply would refuse this plan without --force") != std::string::npos);
  const ProcessResult refused = account.cfsync({"apply"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("refusing to apply") != std::string::npos);
  CHECK(refused.err.find("4 of 10 live dlp_profile (40%), more than 30%") != std::string::npos);
  CHECK(writes(account.emulator().requests()).empty());

  // Raised in the configuration, or forced: applied.
  account.write(numbered_profiles(6, "safety:\n  dlp_profile: {max_delete_percent: 40}\n"));
  CHECK(account.cfsync({"plan", "--detailed-exitcode"}).exit_code == 2);
  account.write(numbered_profiles(6));
  const ProcessResult forced = account.cfsync({"apply", "--force"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  account.emulator().reset_log();
  CHECK(account.cfsync({"plan", "--detailed-exitcode"}).exit_code == 0);
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

TEST_CASE(
    "saved plans: apply FILE applies exactly the reviewed plan, or refuses saying what moved") {
  Account account;
  TempDir plans;
  const std::string file = (plans.path() / "plan.json").string();
  account.write(numbered_profiles(2));
  const ProcessResult saved = account.cfsync({"plan", "--out", file});
  REQUIRE_MESSAGE(saved.exit_code == 0, saved.err);
  REQUIRE(std::filesystem::exists(file));

  SUBCASE("nothing moved: applied") {
    const ProcessResult applied = account.cfsync({"apply", file});
    CHECK_MESSAGE(applied.exit_code == 0, applied.err);
    account.check_converged();
  }
  SUBCASE("a profile made in the dashboard meanwhile: refused, nothing written") {
    (void)account.create_directly(R"({"name": "P1"})");
    account.emulator().reset_log();
    const ProcessResult refused = account.cfsync({"apply", file});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("the account changed since the plan was saved") != std::string::npos);
    CHECK(writes(account.emulator().requests()).empty());
  }
  SUBCASE("another state directory: refused, as its key cannot check the plan's digests") {
    const TempDir other;
    account.emulator().reset_log();
    const ProcessResult refused =
        account.cfsync({"apply", file, "--state-dir", other.path().string()});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("it was made with another state directory (its digests are keyed by "
                           "key ") != std::string::npos);
    CHECK(writes(account.emulator().requests()).empty());
  }
  SUBCASE("the configuration edited meanwhile: refused, nothing written") {
    account.write(numbered_profiles(3));
    account.emulator().reset_log();
    const ProcessResult refused = account.cfsync({"apply", file});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("the configuration changed since the plan was saved") !=
          std::string::npos);
    CHECK(writes(account.emulator().requests()).empty());
  }
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

TEST_CASE(
    "drift: an edit made elsewhere since the last apply is drift, exit 3 with --drift-exitcode") {
  Account account;
  account.apply(numbered_profiles(2));
  (void)account.create_directly(R"({"name": "Made in the dashboard"})");
  account.write(numbered_profiles(2));  // written again, as a fresh checkout does: same content
  const ProcessResult drift = account.cfsync({"plan", "--drift-exitcode", "--detailed-exitcode"});
  CHECK(drift.exit_code == 3);
  CHECK(drift.out.find("(drift: changed outside cfsync)") != std::string::npos);
  const ProcessResult json = account.cfsync({"plan", "--output", "json"});
  CHECK(json.out.find("\"origin\":\"drift\"") != std::string::npos);

  // A new configuration: its changes are pending, not drift.
  account.write(numbered_profiles(3));
  CHECK(account.cfsync({"plan", "--drift-exitcode"}).exit_code == 0);
  CHECK(account.cfsync({"plan", "--drift-exitcode", "--detailed-exitcode"}).exit_code == 2);
}

// Issue 14, case 1: Cloudflare deletes a custom entry from every profile that shares it.
TEST_CASE("an entry another profile shares: named in the plan, its delete refused unless forced") {
  Account account;
  const std::string profile_a = R"(
    - name: A
      entries:
        - name: keep
          regex: 'K-[0-9]{2}'
        - name: e
          regex: 'E-[0-9]{2}'
)";
  account.apply(profiles_config(profile_a));
  // Profile B, made in the dashboard, shares A's entry e.
  const HttpReply listed =
      http_request(account.emulator().port(), "GET",
                   std::string("/accounts/") + k_account + "/dlp/profiles/custom",
                   {{"Authorization", std::string("Bearer ") + k_token}});
  simdjson::dom::parser parser;
  std::string entry_id;
  for (simdjson::dom::element profile : parser.parse(listed.body)["result"].get_array()) {
    for (simdjson::dom::element entry : profile["entries"].get_array()) {
      if (std::string_view(entry["name"].get_string()) == "e") {
        entry_id = std::string(entry["id"].get_string().value());
      }
    }
  }
  REQUIRE_FALSE(entry_id.empty());
  account.create_directly(R"({"name": "B", "shared_entries": [{"entry_id": ")" + entry_id +
                          R"(", "enabled": true}]})");

  account.write(profiles_config(R"(
    - name: A
      entries:
        - name: keep
          regex: 'K-[0-9]{2}'
)"));
  const ProcessResult plan = account.cfsync({"plan"});
  CHECK(plan.out.find("(entry \"e\" is also used by profile \"B\" (not managed))") !=
        std::string::npos);
  CHECK(plan.err.find("apply would refuse this plan without --force") != std::string::npos);
  account.emulator().reset_log();
  const ProcessResult refused = account.cfsync({"apply"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("deleting entry \"e\" of dlp profile \"A\": entry \"e\" is also used "
                         "by profile \"B\" (not managed); Cloudflare deletes an entry from every "
                         "profile that lists it") != std::string::npos);
  CHECK(writes(account.emulator().requests()).empty());

  const ProcessResult forced = account.cfsync({"apply", "--force"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  account.check_converged();
  // As Cloudflare does: gone from B too.
  const HttpReply after =
      http_request(account.emulator().port(), "GET",
                   std::string("/accounts/") + k_account + "/dlp/profiles/custom",
                   {{"Authorization", std::string("Bearer ") + k_token}});
  CHECK(after.body.find(entry_id) == std::string::npos);
}

}  // namespace
}  // namespace cfsync::test
