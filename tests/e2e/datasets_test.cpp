// End to end: DLP datasets with the real cfsync against the real emulator. Every write is
// counted; polls are reads.
#include "tests/support/emulator_process.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <regex>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;

const std::string k_fixture =
    R"({"dlp":{"datasets":[{"name":"customer-records","encoding_version":2,)"
    R"("columns":["email","account"]}]}})";
// A cell that must never be printed.
const std::string k_secret_cell = "s3cret-cell@example.com";

std::string config_yaml(bool with_edm, bool prune = false) {
  std::string yaml = std::string("account_id: ") + k_account + R"(
dlp:
  datasets:
    - name: blocked-terms
      description: Terms that must not leave the company
      kind: word_list
      file: data/blocked-terms.txt
      case_sensitive: false
)";
  if (with_edm) {
    yaml += R"(    - name: customer-records
      kind: edm
      file: data/customers.csv
)";
  }
  if (prune) yaml += "prune:\n  datasets: true\n";
  return yaml;
}

class Datasets {
 public:
  explicit Datasets(std::vector<std::string> switches = {})
      : m_fixture(m_dir.write("fixture.json", k_fixture)), m_emulator(with(std::move(switches))) {
    file("blocked-terms.txt", "project falcon\nmerger\r\n\n");
    file("customers.csv", "email,account\n" + k_secret_cell + ",1001\nb@example.com,1002\n");
    config(config_yaml(false));
  }

  void file(const std::string& name, const std::string& content) const {
    m_dir.write("repo/data/" + name, content);
  }
  void config(const std::string& yaml) const { m_dir.write("repo/cfsync.yaml", yaml); }
  // Makes a file an hour old: what was modified in the last seconds is not kept by the scan cache.
  void age(const std::string& name) const {
    fs::last_write_time(m_dir.path() / "repo/data" / name,
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  [[nodiscard]] fs::path state() const { return m_dir.path() / "state"; }
  void remove_state() const { fs::remove_all(state()); }
  EmulatorProcess& emulator() { return m_emulator; }

  ProcessResult cfsync(std::vector<std::string> args) const {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", (m_dir.path() / "repo").string(), "--api-url", m_emulator.url(),
                             "--state-dir", (m_dir.path() / "state").string()});
    const ProcessResult result = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
    // Counts and digests only, whatever the command and its outcome.
    CHECK(result.out.find(k_secret_cell) == std::string::npos);
    CHECK(result.err.find(k_secret_cell) == std::string::npos);
    return result;
  }

  // Runs apply (with `args`) and returns its requests as "METHOD path", ids replaced by {id}.
  std::vector<std::string> apply(std::vector<std::string> args = {}, int exit_code = 0) {
    m_emulator.reset_log();
    args.insert(args.begin(), "apply");
    args.insert(args.end(), {"--log-level", "debug"});
    last = cfsync(args);
    INFO(last.out);
    REQUIRE_MESSAGE(last.exit_code == exit_code, last.err);
    return made();
  }

  std::vector<std::string> made(bool writes_only = true) const {
    static const std::regex k_id("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    std::vector<std::string> out;
    const auto requests = m_emulator.requests();
    for (const LoggedRequest& request : writes_only ? writes(requests) : requests) {
      const std::string tail = request.path.substr(request.path.find("/dlp/") + 4);
      out.push_back(request.method + " " + std::regex_replace(tail, k_id, "{id}"));
    }
    return out;
  }

  // A plan that reads the dataset list once, writes nothing and finds nothing to do.
  void check_converged() {
    m_emulator.reset_log();
    const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
    INFO(plan.out);
    CHECK_MESSAGE(plan.exit_code == 0, plan.err);
    CHECK(made(false) == std::vector<std::string>{"GET /datasets"});
  }

  ProcessResult last;

 private:
  EmulatorProcess with(std::vector<std::string> switches) const {
    switches.insert(switches.begin(),
                    {"--fixture", m_fixture.string(), "--dataset-delay-ms", "300"});
    return EmulatorProcess(switches);
  }

  TempDir m_dir;
  fs::path m_fixture;
  EmulatorProcess m_emulator;
};

std::size_t count_of(const std::vector<std::string>& requests, const std::string& wanted) {
  return static_cast<std::size_t>(std::count(requests.begin(), requests.end(), wanted));
}

TEST_CASE("a word list is created and uploaded, then waited for, the next plan is one read") {
  Datasets datasets;
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.out.find("+ num_cells      = 2\n") != std::string::npos);
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets", "POST /datasets/{id}/upload/1"});
  CHECK(datasets.last.out.find("Dataset processing: 1 complete.") != std::string::npos);
  // Polled until complete: the emulator takes 300 ms.
  CHECK(count_of(datasets.made(false), "GET /datasets/{id}") >= 2);
  datasets.check_converged();
}

TEST_CASE("an unchanged file is not uploaded again, without the state directory, once") {
  Datasets datasets;
  datasets.apply();
  datasets.remove_state();
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.out.find("(new version: no upload of this file is recorded in the state directory: "
                      "a first run here, or the state directory was deleted)") !=
        std::string::npos);
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets/{id}/upload", "POST /datasets/{id}/upload/2"});
  datasets.check_converged();
}

TEST_CASE("plans keep dataset scans in the state directory and answer the same from them") {
  Datasets datasets;
  datasets.config(config_yaml(true));
  datasets.age("blocked-terms.txt");
  datasets.age("customers.csv");
  const fs::path cache = datasets.state() / "dataset-scans.json";
  const ProcessResult validate = datasets.cfsync({"validate", "--log-level", "debug"});
  CHECK_MESSAGE(validate.exit_code == 0, validate.err);
  CHECK(validate.err.find("2 dataset files scanned") != std::string::npos);
  CHECK_FALSE(fs::exists(datasets.state()));  // validate writes nothing
  const ProcessResult first = datasets.cfsync({"plan", "--log-level", "debug"});
  CHECK(first.err.find("2 dataset files scanned") != std::string::npos);
  REQUIRE(fs::exists(cache));
  const ProcessResult second = datasets.cfsync({"plan", "--log-level", "debug"});
  CHECK(second.err.find("0 dataset files scanned") != std::string::npos);
  CHECK(second.out == first.out);
  CHECK(second.exit_code == first.exit_code);
  // Changed content is scanned again, and planned as such.
  datasets.file("blocked-terms.txt", "project falcon\nmerger\nacquisition\n");
  const ProcessResult changed = datasets.cfsync({"plan", "--log-level", "debug"});
  CHECK(changed.err.find("1 dataset file scanned") != std::string::npos);
  CHECK(changed.out != second.out);
}

TEST_CASE("changed content is a new version") {
  Datasets datasets;
  datasets.apply();
  datasets.file("blocked-terms.txt", "project falcon\nmerger\nacquisition\n");
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.out.find("(new version: the file changed since version 1 was uploaded)") !=
        std::string::npos);
  CHECK(plan.out.find("~ num_cells = 2 → 3") != std::string::npos);
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets/{id}/upload", "POST /datasets/{id}/upload/2"});
  datasets.check_converged();
}

TEST_CASE("a changed description is one PUT, and no upload") {
  Datasets datasets;
  datasets.apply();
  std::string yaml = config_yaml(false);
  yaml.replace(yaml.find("Terms that"), 5, "Words");
  datasets.config(yaml);
  CHECK(datasets.apply() == std::vector<std::string>{"PUT /datasets/{id}"});
  datasets.check_converged();
}

TEST_CASE("an EDM dataset is adopted by name, a column added is 1 + 1 + 3 writes") {
  Datasets datasets;
  datasets.config(config_yaml(true));
  // The two datasets are applied side by side: their requests interleave in any order (each
  // dataset's own order is the API's to enforce, and the emulator does).
  std::vector<std::string> made = datasets.apply();
  std::sort(made.begin(), made.end());
  CHECK(made == std::vector<std::string>{
                    "POST /datasets", "POST /datasets/{id}/upload", "POST /datasets/{id}/upload/1",
                    "POST /datasets/{id}/versions/2", "POST /datasets/{id}/versions/2/entries/{id}",
                    "POST /datasets/{id}/versions/2/entries/{id}"});
  datasets.check_converged();

  datasets.file("customers.csv",
                "email,account,phone\n" + k_secret_cell + ",1001,555-0100\nb@example.com,1002,\n");
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.out.find("~ columns                    = [\"email\", \"account\"] → [\"email\", "
                      "\"account\", \"phone\"]") != std::string::npos);
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets/{id}/upload", "POST /datasets/{id}/versions/3",
                                 "POST /datasets/{id}/versions/3/entries/{id}",
                                 "POST /datasets/{id}/versions/3/entries/{id}",
                                 "POST /datasets/{id}/versions/3/entries/{id}"});
  // The existing columns kept their entries; the new one got its own.
  const std::string state = datasets.emulator().state();
  CHECK(state.find("\"header_name\":\"phone\"") != std::string::npos);
  datasets.check_converged();
}

TEST_CASE("an EDM dataset missing from the account is a plan error, and nothing is written") {
  Datasets datasets;
  std::string yaml = config_yaml(true);
  yaml.replace(yaml.find("name: customer-records"), 22, "name: employee-records");
  datasets.config(yaml);
  const ProcessResult apply = datasets.cfsync({"apply"});
  CHECK(apply.exit_code == 1);
  CHECK(apply.err.find("dataset \"employee-records\" (edm) does not exist in the account, and the "
                       "API cannot create one") != std::string::npos);
  CHECK(datasets.made(false) == std::vector<std::string>{"GET /datasets"});
}

TEST_CASE("a malformed CSV is exit 1 with its line, before any request") {
  Datasets datasets;
  datasets.config(config_yaml(true));
  datasets.file("customers.csv", "email,account\na@example.com,1\n" + k_secret_cell + "\n");
  for (const char* command : {"validate", "plan", "apply"}) {
    CAPTURE(command);
    const ProcessResult result = datasets.cfsync({command});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("dlp.datasets[\"customer-records\"].file: \"data/customers.csv\" line 3: "
                          "1 cell, but the header has 2 columns") != std::string::npos);
  }
  CHECK(datasets.emulator().requests().empty());
}

TEST_CASE("a failed column is reported by name, and the next plan names it without uploading") {
  Datasets datasets({"--dataset-fail-pattern", "*1002*"});
  datasets.config(config_yaml(true));
  datasets.apply({}, 1);
  CHECK(datasets.last.out.find("Dataset processing: 1 failed, 1 complete.\n"
                               "  failed dataset \"customer-records\" version 2 (column "
                               "[\"account\"])\n") != std::string::npos);
  CHECK(datasets.last.out.find("but dataset processing did not succeed") != std::string::npos);
  datasets.emulator().reset_log();
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.exit_code == 0);
  CHECK(plan.out.find("Warning: dataset \"customer-records\": version 2 of this content failed: "
                      "processing "
                      "failed for column \"account\" of the file; cfsync "
                      "uploads it again once the file changes, or with apply --retry-failed") !=
        std::string::npos);
  CHECK(datasets.made(false) == std::vector<std::string>{"GET /datasets"});
}

// Issue 14, case 7: the same failing content went up on every run (versions 1, 2, 3, all failed).
TEST_CASE("failed content is uploaded again only once the file changes, or with --retry-failed") {
  Datasets datasets({"--dataset-fail-pattern", "*falcon*"});
  CHECK(datasets.apply({}, 1) ==
        std::vector<std::string>{"POST /datasets", "POST /datasets/{id}/upload/1"});
  CHECK(datasets.last.out.find("  failed dataset \"blocked-terms\" version 1\n") !=
        std::string::npos);

  const std::string failure =
      "dataset \"blocked-terms\": version 1 of this content failed: processing failed for the "
      "word list (2 entries); cfsync uploads it again once the file changes, or "
      "with apply --retry-failed";
  datasets.emulator().reset_log();
  const ProcessResult plan = datasets.cfsync({"plan", "--detailed-exitcode"});
  CHECK(plan.exit_code == 0);  // nothing to change: a warning, not a change
  CHECK(plan.out.find("Warning: " + failure) != std::string::npos);
  CHECK(datasets.made(false) == std::vector<std::string>{"GET /datasets"});
  // Run after run: the warning, no write; and the rest of the plan goes on.
  std::string yaml = config_yaml(false);
  yaml.replace(yaml.find("Terms that"), 5, "Words");
  datasets.config(yaml);
  CHECK(datasets.apply() == std::vector<std::string>{"PUT /datasets/{id}"});
  CHECK(datasets.last.out.find("Warning: " + failure) != std::string::npos);
  CHECK(datasets.apply().empty());

  // Asked to: the same bytes once more, and they fail the same way.
  CHECK(datasets.apply({"--retry-failed"}, 1) ==
        std::vector<std::string>{"POST /datasets/{id}/upload", "POST /datasets/{id}/upload/2"});
  CHECK(datasets.last.out.find("(new version: version 1 of this content failed to process, and "
                               "--retry-failed sends it again)") != std::string::npos);
  CHECK(datasets.apply().empty());
  CHECK(datasets.last.out.find("version 2 of this content failed") != std::string::npos);

  // A changed file goes up without being asked.
  datasets.file("blocked-terms.txt", "project eagle\nmerger\n");
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets/{id}/upload", "POST /datasets/{id}/upload/3"});
  CHECK(datasets.last.out.find("(new version: the file changed since version 2 was uploaded)") !=
        std::string::npos);
  datasets.check_converged();
}

// Issue 14, case 5: the column went up as an empty body, which the spec does not allow.
TEST_CASE("an EDM column with no cells is refused before any request, naming file and column") {
  Datasets datasets;
  datasets.config(config_yaml(true));
  datasets.file("customers.csv", "email,account\n" + k_secret_cell + ",\nb@example.com,\n");
  for (const char* command : {"validate", "plan", "apply"}) {
    CAPTURE(command);
    const ProcessResult result = datasets.cfsync({command});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("dlp.datasets[\"customer-records\"].file: \"data/customers.csv\" line "
                          "1: column \"account\" is empty in every row, and the API refuses a "
                          "column without cells; give each column a value, or remove it") !=
          std::string::npos);
  }
  CHECK(datasets.emulator().requests().empty());
}

// Issue 14, case 6: a word list's PUT without case_sensitive, which the spec says it requires.
TEST_CASE("a word list's PUT carries case_sensitive even when only the description changes") {
  Datasets datasets({"--dataset-put-without-case-sensitive", "refuse"});
  std::string yaml = config_yaml(false);
  yaml.erase(yaml.find("      case_sensitive: false\n"));  // not managed: the live value is sent
  datasets.config(yaml);
  datasets.apply();
  yaml.replace(yaml.find("Terms that"), 5, "Words");
  datasets.config(yaml);
  CHECK(datasets.apply() == std::vector<std::string>{"PUT /datasets/{id}"});
  const auto requests = writes(datasets.emulator().requests());
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].body.find("\"case_sensitive\":true") != std::string::npos);
  datasets.check_converged();
}

// Issue 14, case 6: answers without case_sensitive made every run a PUT.
TEST_CASE("answers without case_sensitive: what cfsync sent is recorded, and stands in for it") {
  Datasets datasets({"--dataset-omit-case-sensitive"});
  // The create sends case_sensitive: false; the record keeps it.
  CHECK(datasets.apply() ==
        std::vector<std::string>{"POST /datasets", "POST /datasets/{id}/upload/1"});
  datasets.check_converged();

  // Without the state directory it is sent once more (with the file), then recorded again.
  datasets.remove_state();
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.out.find("(the API does not report case_sensitive and no value sent from here is "
                      "recorded: sent once, then recorded)") != std::string::npos);
  CHECK(plan.out.find("~ case_sensitive = null → false") != std::string::npos);
  CHECK(datasets.apply() == std::vector<std::string>{"PUT /datasets/{id}",
                                                     "POST /datasets/{id}/upload",
                                                     "POST /datasets/{id}/upload/2"});
  datasets.check_converged();
}

TEST_CASE("undeclared datasets are listed, and deleted only with prune.datasets") {
  Datasets datasets;
  datasets.apply();
  // The fixture's EDM dataset is not declared.
  const ProcessResult kept = datasets.cfsync({"plan", "--detailed-exitcode"});
  CHECK(kept.exit_code == 0);
  CHECK(kept.out.find("Not in the configuration, left alone (set prune.datasets: true to delete "
                      "them):\n  dlp_dataset \"customer-records\" (id ") != std::string::npos);
  datasets.config(config_yaml(false, true));
  CHECK(datasets.apply() == std::vector<std::string>{"DELETE /datasets/{id}"});
  datasets.check_converged();
}

TEST_CASE("secret: true is refused before any request") {
  Datasets datasets;
  std::string yaml = config_yaml(true) + "      secret: true\n";
  datasets.config(yaml);
  const ProcessResult plan = datasets.cfsync({"plan"});
  CHECK(plan.exit_code == 1);
  CHECK(plan.err.find("needs the Cloudflare dashboard's encoder") != std::string::npos);
  CHECK(datasets.emulator().requests().empty());
}

}  // namespace
}  // namespace cfsync::test
