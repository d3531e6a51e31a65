// End to end: the real cfsync against the real cfsync-emulator on a free port.
#include "tests/support/emulator_process.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace cfsync::test {
namespace {

const std::string k_example = source_dir() + "/examples/basic";

std::string example_public_key() {
  std::ifstream in(k_example + "/keys/payload-log.pub");
  std::string key;
  in >> key;
  REQUIRE_FALSE(key.empty());
  return key;
}

// Runs cfsync against `emulator`. The example's default state directory is in the source tree,
// shared by every test that runs at the same time (ctest runs them side by side): a run on the
// example gets this test's own.
ProcessResult cfsync(const EmulatorProcess& emulator, std::vector<std::string> args,
                     Environment env = {{"CLOUDFLARE_API_TOKEN", k_token}}) {
  static const TempDir state;  // one per test: ctest runs each in its own process
  std::vector<std::string> argv = {binary("cfsync")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--api-url", emulator.url()});
  if (std::find(args.begin(), args.end(), k_example) != args.end() &&
      std::find(args.begin(), args.end(), "--state-dir") == args.end()) {
    argv.insert(argv.end(), {"--state-dir", state.path().string()});
  }
  return run(argv, env);
}

std::vector<std::string> methods(const std::vector<LoggedRequest>& requests) {
  std::vector<std::string> out;
  for (const LoggedRequest& request : requests) out.push_back(request.method);
  return out;
}

TEST_CASE("apply converges: one read and one write, then a clean plan that writes nothing") {
  EmulatorProcess emulator;
  const ProcessResult first = cfsync(emulator, {"plan", "--detailed-exitcode", "-c", k_example});
  CHECK_MESSAGE(first.exit_code == 2, first.err);
  CHECK(first.out.find("~ ocr                           = false → true") != std::string::npos);
  CHECK(writes(emulator.requests()).empty());

  emulator.reset_log();
  const ProcessResult apply = cfsync(emulator, {"apply", "-c", k_example});
  CHECK_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(apply.out.find("Apply complete: 0 created, 1 updated, 0 deleted.") != std::string::npos);
  const std::vector<LoggedRequest> requests = emulator.requests();
  CHECK(methods(requests) == std::vector<std::string>{"GET", "PATCH"});
  CHECK(requests.at(0).connection == requests.at(1).connection);  // one keep-alive connection

  emulator.reset_log();
  const ProcessResult again = cfsync(emulator, {"plan", "--detailed-exitcode", "-c", k_example});
  CHECK_MESSAGE(again.exit_code == 0, again.err);
  // After the revision of the checkout the examples are in, when they are in one.
  const std::string clean =
      "No changes. Account 023e105f4ecef8ad9ca31a8372d0c353 matches the configuration.\n";
  CHECK((again.out == clean ||
         (again.out.starts_with("Revision: ") && again.out.ends_with("\n\n" + clean))));
  CHECK(methods(emulator.requests()) == std::vector<std::string>{"GET"});

  emulator.reset_log();
  const ProcessResult noop = cfsync(emulator, {"--apply", "-c", k_example});
  CHECK_MESSAGE(noop.exit_code == 0, noop.err);
  CHECK(writes(emulator.requests()).empty());
}

TEST_CASE("the PATCH carries only the fields that differ") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml",
            std::string("account_id: ") + k_account +
                "\ndlp:\n  settings:\n    ocr: true\n    ai_context_analysis: false\n");
  const ProcessResult apply = cfsync(emulator, {"apply", "-c", dir.path().string()});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  const auto sent = writes(emulator.requests());
  REQUIRE(sent.size() == 1);
  CHECK(sent.front().body == R"({"ocr":true})");
}

TEST_CASE("a wrong token fails with the API's reason and writes nothing") {
  EmulatorProcess emulator;
  const std::string wrong = "wrong-token-7d1e";
  const ProcessResult result =
      cfsync(emulator, {"apply", "-c", k_example}, {{"CLOUDFLARE_API_TOKEN", wrong}});
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find(
            "reading dlp settings: the API answered HTTP 401 [1000: Invalid API Token]") !=
        std::string::npos);
  CHECK(result.err.find("check that the token is valid") != std::string::npos);
  CHECK(result.err.find(wrong) == std::string::npos);
  CHECK(result.out.find(wrong) == std::string::npos);
  CHECK(writes(emulator.requests()).empty());
}

TEST_CASE("no credentials at all: a clear error and no request") {
  EmulatorProcess emulator;
  const ProcessResult result = cfsync(emulator, {"plan", "-c", k_example}, {});
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find("no Cloudflare credentials") != std::string::npos);
  CHECK(emulator.requests().empty());
}

TEST_CASE("email and global key work as credentials") {
  EmulatorProcess emulator({"--email", "ops@example.com", "--key", "global-key-1"});
  const ProcessResult result =
      cfsync(emulator, {"apply", "-c", k_example},
             {{"CLOUDFLARE_EMAIL", "ops@example.com"}, {"CLOUDFLARE_API_KEY", "global-key-1"}});
  CHECK_MESSAGE(result.exit_code == 0, result.err);
  CHECK(writes(emulator.requests()).size() == 1);
}

TEST_CASE("an invalid configuration exits 1 before any request") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml",
            std::string("account_id: ") + k_account +
                "\ndlp:\n  settings:\n    ocrr: true\n    ai_context_analysis: yes\n");
  for (const char* command : {"validate", "plan", "apply"}) {
    CAPTURE(command);
    const ProcessResult result = cfsync(emulator, {command, "-c", dir.path().string()});
    CHECK_MESSAGE(result.exit_code == 1, result.err);
    CHECK(result.err.find("cfsync: error: invalid configuration: 2 errors") != std::string::npos);
    CHECK(result.err.find("cfsync.yaml:4:5: unknown key \"ocrr\" in dlp.settings; did you mean "
                          "\"ocr\"?") != std::string::npos);
    CHECK(result.err.find("cfsync.yaml:5:26: dlp.settings.ai_context_analysis: expected a "
                          "boolean (true or false), got \"yes\"") != std::string::npos);
  }
  CHECK(emulator.requests().empty());
}

TEST_CASE("validate sends nothing, even with no API to reach") {
  const ProcessResult result =
      run({binary("cfsync"), "validate", "-c", k_example, "--api-url", "http://127.0.0.1:9"});
  CHECK_MESSAGE(result.exit_code == 0, result.err);
  CHECK(result.out.find("Configuration is valid") != std::string::npos);
}

TEST_CASE("secrets stay out of every output, even at trace level") {
  EmulatorProcess emulator;
  const std::string key = example_public_key();
  for (const char* output : {"text", "json", "markdown"}) {
    const ProcessResult result =
        cfsync(emulator, {"apply", "-c", k_example, "--log-level", "trace", "--output", output});
    CHECK_MESSAGE(result.exit_code == 0, result.err);
    for (const std::string* text : {&result.out, &result.err}) {
      CHECK(text->find(key) == std::string::npos);
      CHECK(text->find(k_token) == std::string::npos);
    }
  }
}

TEST_CASE("JSON plan on stdout, logs on stderr") {
  EmulatorProcess emulator;
  const ProcessResult result = cfsync(emulator, {"plan", "-c", k_example, "--output", "json",
                                                 "--log-format", "json", "--log-level", "debug"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  simdjson::dom::parser parser;
  const simdjson::dom::element plan = parser.parse(result.out);
  CHECK(std::string_view(plan["changes"].at(0)["kind"]) == "dlp_settings");
  CHECK(int64_t(plan["summary"]["update"]) == 1);
  std::istringstream lines(result.err);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    simdjson::dom::parser line_parser;
    CHECK(std::string_view(line_parser.parse(line)["level"]) == "debug");
  }
  CHECK(count >= 1);
}

TEST_CASE("plain http to a host that is not loopback is refused before connecting") {
  const ProcessResult result =
      run({binary("cfsync"), "plan", "-c", k_example, "--api-url", "http://198.51.100.7:8080"},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find("--insecure-http") != std::string::npos);
}

TEST_CASE("a connection refused is reported as such") {
  const int port = free_port();
  const ProcessResult result = run({binary("cfsync"), "plan", "-c", k_example, "--max-attempts",
                                    "2", "--api-url", "http://127.0.0.1:" + std::to_string(port)},
                                   {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find("reading dlp settings: gave up after 2 attempts: connecting to "
                        "http://127.0.0.1:" +
                        std::to_string(port) + " failed: Connection refused") != std::string::npos);
}

TEST_CASE("the emulator keeps its state across a restart with --state") {
  TempDir dir;
  const std::string state = (dir.path() / "state.json").string();
  {
    EmulatorProcess emulator({"--state", state});
    const ProcessResult apply = cfsync(emulator, {"apply", "-c", k_example});
    REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
    emulator.stop();
  }
  EmulatorProcess restarted({"--state", state});
  const ProcessResult plan = cfsync(restarted, {"plan", "--detailed-exitcode", "-c", k_example});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

// Validates `yaml_file` against `schema_file` with python3-jsonschema (Draft 2020-12).
ProcessResult validate_with_schema(const std::string& schema_file, const std::string& yaml_file) {
  return run(
      {"/usr/bin/python3", "-c",
       "import sys, json, yaml, jsonschema\n"
       "schema = json.load(open(sys.argv[1]))\n"
       "jsonschema.Draft202012Validator.check_schema(schema)\n"
       "jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(open(sys.argv[2])))\n",
       schema_file, yaml_file});
}

TEST_CASE("schema: every example validates against `cfsync schema`, and a typo does not") {
  TempDir dir;
  const ProcessResult schema = run({binary("cfsync"), "schema"});
  REQUIRE(schema.exit_code == 0);
  const std::string schema_file = dir.write("schema.json", schema.out).string();
  int examples = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(source_dir() + "/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++examples;
    const ProcessResult checked = validate_with_schema(schema_file, entry.path().string());
    INFO(entry.path().string());
    CHECK_MESSAGE(checked.exit_code == 0, checked.err);
  }
  CHECK(examples >= 4);
  const std::string typo =
      dir.write("typo.yaml", "dlp:\n  profiles:\n    - name: P\n      ocr_enabeld: true\n")
          .string();
  const ProcessResult refused = validate_with_schema(schema_file, typo);
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("ocr_enabeld") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

TEST_CASE("masked output: no regex, word, dataset cell or key in any output, JSON or saved plan") {
  TempDir dir;
  EmulatorProcess emulator;
  const std::vector<std::string> secrets = {"SECRET-REGEX-[0-9]{9}", "confidential-codeword",
                                            "blocked-secret-term",
                                            "c2VjcmV0LWtleS1ub3QtdG8tc2hvdw=="};
  dir.write("repo/key.pub", secrets[3] + "\n");
  dir.write("repo/terms.txt", secrets[2] + "\nother\n");
  dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account + R"(
dlp:
  settings:
    payload_logging: {public_key_file: key.pub}
  profiles:
    - name: Masked
      entries:
        - name: Pattern
          regex: ')" + secrets[0] + R"('
        - name: Words
          words: [)" + secrets[1] + R"(]
  datasets:
    - name: terms
      kind: word_list
      file: terms.txt
)");
  const std::string repo = (dir.path() / "repo").string();
  const std::string saved = (dir.path() / "plan.json").string();
  std::string everything;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"plan"},
                                             {"plan", "--output", "json"},
                                             {"plan", "--out", saved, "--log-level", "debug"},
                                             {"apply", "--log-level", "debug"},
                                             {"apply", "--output", "json"}}) {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", repo, "--api-url", emulator.url(), "--state-dir",
                             (dir.path() / "state").string()});
    const ProcessResult result = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
    CHECK_MESSAGE(result.exit_code == 0, result.err);
    everything += result.out + result.err;
  }
  std::ifstream in(saved);
  everything += std::string(std::istreambuf_iterator<char>(in), {});
  CHECK(everything.find("hmac:") != std::string::npos);
  for (const std::string& secret : secrets) {
    CAPTURE(secret);
    CHECK(everything.find(secret) == std::string::npos);
  }
}

TEST_CASE("malformed YAML: exit 1 with the place, zero requests, for plan and apply alike") {
  EmulatorProcess emulator;
  TempDir dir;
  const std::string account = std::string("account_id: ") + k_account + "\n";
  struct Row {
    std::string yaml;
    std::string place;
  };
  const std::vector<Row> rows = {
      // An unterminated quote at the end, which yaml-cpp 0.7 read with a trailing space.
      {account + "dlp:\n  profiles:\n    - name: Employees\n      entries:\n        - name: ids\n"
                 "          regex: 'EMP-[0-9]{6}\n",
       "cfsync.yaml:7:19: invalid YAML: single-quoted scalar without closing quote"},
      // One in the middle, with prune on: yaml-cpp swallowed the rest and deleted a profile.
      {"prune:\n  profiles: true\n" + account +
           "dlp:\n  profiles:\n    - name: A\n      entries:\n        - name: a\n"
           "          regex: 'A-[0-9]{2}\n    - name: B\n    - name: C\n",
       "cfsync.yaml:9:18: invalid YAML: wrongly indented single-quoted scalar"},
      {",\n", "cfsync.yaml:1:1: invalid YAML: did not find expected node content"},
      {"[a, b], c\n", "cfsync.yaml:1:7: invalid YAML: missing document start"},
      {account + "dlp:\n  profiles:\n    - name: U\n      entries:\n        - name: u\n"
                 "          regex: 'a+'\n",
       "cfsync.yaml:7:18: dlp.profiles[\"U\"].entries[\"u\"].regex: can match text of any length"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.yaml);
    dir.write("cfsync.yaml", row.yaml);
    for (const char* command : {"validate", "plan", "apply"}) {
      CAPTURE(command);
      emulator.reset_log();
      const ProcessResult result =
          cfsync(emulator, {command, "-c", (dir.path() / "cfsync.yaml").string()});
      CHECK(result.exit_code == 1);
      CHECK(result.err.find(dir.path().string() + "/" + row.place) != std::string::npos);
      CHECK(emulator.requests().empty());
    }
  }
}

TEST_CASE("a top-level comma under a 256 MiB memory limit: an error, not an abort") {
  TempDir dir;
  dir.write("cfsync.yaml", ",\n");
  // yaml-cpp 0.7 allocated without bound on this file (its issue #1040) and died of bad_alloc.
  const ProcessResult result =
      run({"/bin/sh", "-c", "ulimit -v 262144 && exec \"$0\" validate -c \"$1\"", binary("cfsync"),
           (dir.path() / "cfsync.yaml").string()});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("cfsync.yaml:1:1: invalid YAML") != std::string::npos);
}

// Issue 14, case 8: values the spec allows in answers but a configuration cannot hold. They are
// written into the emulator's state file between two runs of it.
TEST_CASE("odd values the API answers: plan and export go on, and say which") {
  TempDir dir;
  const std::string state = (dir.path() / "emulator.json").string();
  const std::string fixture =
      dir.write(
             "fixture.json",
             R"({"ai_search":{"instances":[{"namespace":"default","id":"docs","managed":true}]}})")
          .string();
  dir.write("repo/docs/a.md", "# a\n");
  dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account + R"(
dlp:
  settings:
    payload_logging: {public_key: c2VjcmV0LWtleQ==}
  predefined_profiles:
    - name: Credit Card Numbers
      ocr_enabled: true
ai_search:
  instances:
    - id: docs
      documents:
        - dir: docs
)");
  const std::string repo = (dir.path() / "repo").string();
  const std::string state_dir = (dir.path() / "state").string();
  {
    EmulatorProcess emulator({"--state", state, "--fixture", fixture});
    const ProcessResult apply = cfsync(emulator, {"apply", "-c", repo, "--state-dir", state_dir});
    REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  }
  const ProcessResult edited =
      run({"/usr/bin/python3", "-c",
           "import json, sys\n"
           "state = json.load(open(sys.argv[1]))\n"
           "account = state['accounts'][sys.argv[2]]\n"
           "account['dlp']['settings']['payload_logging']['public_key'] = 'not base64!'\n"
           "for profile in account['dlp']['profiles']:\n"
           "  if profile['name'] == 'Credit Card Numbers': profile['allowed_match_count'] = 5000\n"
           "for instance in account['ai_search']['instances'].values():\n"
           "  for item in instance['items']: item['file_size'] = 4.5\n"
           "json.dump(state, open(sys.argv[1], 'w'))\n",
           state, k_account});
  REQUIRE_MESSAGE(edited.exit_code == 0, edited.err);

  EmulatorProcess emulator({"--state", state, "--fixture", fixture});
  const ProcessResult plan =
      cfsync(emulator, {"plan", "--detailed-exitcode", "-c", repo, "--state-dir", state_dir});
  CHECK_MESSAGE(plan.exit_code == 2, plan.err);  // the key is set back; nothing else
  CHECK(plan.out.find("Plan: 0 to create, 1 to update, 0 to delete.") != std::string::npos);
  CHECK(plan.err.find("item \"a.md\": file_size 4.5 is not a whole number of bytes") !=
        std::string::npos);

  const ProcessResult exported = cfsync(emulator, {"export", "--account", k_account});
  CHECK_MESSAGE(exported.exit_code == 0, exported.err);
  CHECK(exported.err.find("the payload-logging key is not strict base64, so it is not declared") !=
        std::string::npos);
  CHECK(exported.err.find("predefined profile \"Credit Card Numbers\": allowed_match_count 5000 "
                          "is outside 0 to 1000") != std::string::npos);
  CHECK(exported.out.find("not base64") == std::string::npos);
}

TEST_CASE("an error quoting a name with control characters prints them written out") {
  TempDir dir;
  // A double-quoted YAML key may hold escapes; the error names it, and it goes to the log.
  dir.write("cfsync.yaml", std::string("account_id: ") + k_account +
                               "\ndlp:\n  settings:\n    \"\\e]0;pwned\\a\\e[2J\": true\n");
  const ProcessResult result =
      run({binary("cfsync"), "validate", "-c", (dir.path() / "cfsync.yaml").string()});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find('\x1b') == std::string::npos);
  CHECK(result.err.find("unknown key \"\\x1b]0;pwned\\x07\\x1b[2J\"") != std::string::npos);
}

// Issue 15: a live profile of a kind cfsync does not manage (here an integration profile; one
// without a type is read the same way, see the unit tests) must not be duplicated by a create.
TEST_CASE("a live profile of an unknown kind blocks a create of its name, with no write") {
  TempDir dir;
  const std::string state = (dir.path() / "emulator.json").string();
  { EmulatorProcess emulator({"--state", state}); }  // makes the account
  const ProcessResult edited = run(
      {"/usr/bin/python3", "-c",
       "import json, sys\n"
       "state = json.load(open(sys.argv[1]))\n"
       "profiles = state['accounts'][sys.argv[2]]['dlp']['profiles']\n"
       "profiles.append({'id': 'b1c3e7a2-0000-4000-8000-000000000001', 'name': 'Employee IDs',\n"
       "                 'type': 'integration', 'entries': [], 'shared_entries': []})\n"
       "json.dump(state, open(sys.argv[1], 'w'))\n",
       state, k_account});
  REQUIRE_MESSAGE(edited.exit_code == 0, edited.err);
  dir.write("cfsync.yaml", std::string("account_id: ") + k_account +
                               "\ndlp:\n  profiles:\n    - name: Employee IDs\n");
  EmulatorProcess emulator({"--state", state});
  const ProcessResult apply =
      cfsync(emulator, {"apply", "-c", (dir.path() / "cfsync.yaml").string()});
  CHECK(apply.exit_code == 1);
  CHECK(apply.err.find("dlp profile \"Employee IDs\" cannot be created: the account has a profile "
                       "of type \"integration\" with this name") != std::string::npos);
  CHECK(writes(emulator.requests()).empty());
}

}  // namespace
}  // namespace cfsync::test

namespace cfsync::test {
namespace {

TEST_CASE("plan --output markdown: the table by kind and action, and a section per change") {
  EmulatorProcess emulator;
  const ProcessResult plan = cfsync(emulator, {"plan", "-c", k_example, "--output", "markdown"});
  REQUIRE_MESSAGE(plan.exit_code == 0, plan.err);
  INFO(plan.out);
  CHECK(plan.out.find("### cfsync plan for account `023e105f4ecef8ad9ca31a8372d0c353`\n") !=
        std::string::npos);
  CHECK(plan.out.find("| Kind | Create | Update | Replace | Move | Delete |\n") !=
        std::string::npos);
  CHECK(plan.out.find("| `dlp_settings` | 0 | 1 | 0 | 0 | 0 |\n") != std::string::npos);
  // " (drift: …)" follows when an earlier test in this process applied the example.
  CHECK(plan.out.find("<details><summary><code>~ dlp_settings</code> will be updated in place") !=
        std::string::npos);
  CHECK(plan.out.find("</summary>\n\n```diff\n") != std::string::npos);
  CHECK(plan.out.find("- ocr                           = false\n"
                      "+ ocr                           = true\n") != std::string::npos);
  CHECK(plan.out.find(example_public_key()) == std::string::npos);
  CHECK(plan.out.find("+ payload_logging.public_key    = hmac:") != std::string::npos);

  // apply's report in Markdown, then a plan with nothing to do: one line.
  const ProcessResult apply = cfsync(emulator, {"apply", "-c", k_example, "--output", "markdown"});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(apply.out.find("### cfsync apply to account") != std::string::npos);
  CHECK(apply.out.find("**Apply complete:** 0 created, 1 updated, 0 deleted.\n") !=
        std::string::npos);
  const ProcessResult clean = cfsync(emulator, {"plan", "-c", k_example, "--output", "markdown"});
  REQUIRE_MESSAGE(clean.exit_code == 0, clean.err);
  CHECK(clean.out.starts_with("**cfsync plan:** no changes."));
  CHECK(std::count(clean.out.begin(), clean.out.end(), '\n') == 1);
}

// `count` profiles named P0, P1, …, pruned.
std::string numbered_profiles(int count) {
  std::string yaml = std::string("account_id: ") + k_account + "\ndlp:\n  profiles:\n";
  for (int i = 0; i < count; ++i) yaml += "    - name: P" + std::to_string(i) + "\n";
  return yaml + "prune:\n  profiles: true\n";
}

TEST_CASE("a plan over the safety limits says on stdout that apply will refuse it") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml", numbered_profiles(10));
  const ProcessResult applied = cfsync(emulator, {"apply", "-c", dir.path().string()});
  REQUIRE_MESSAGE(applied.exit_code == 0, applied.err);
  dir.write("cfsync.yaml", numbered_profiles(6));
  const std::string limit = "4 of 10 live dlp_profile (40%), more than 30%";

  const ProcessResult text = cfsync(emulator, {"plan", "-c", dir.path().string()});
  CHECK_MESSAGE(text.exit_code == 0, text.err);
  INFO(text.out);
  const std::size_t safety = text.out.find(
      "Safety: apply will refuse this plan without --force:\n"
      "  dlp_profile: the plan would delete or replace " +
      limit);
  CHECK(safety != std::string::npos);
  CHECK(safety < text.out.find("Plan: 0 to create, 0 to update, 4 to delete."));

  const ProcessResult json =
      cfsync(emulator, {"plan", "-c", dir.path().string(), "--output", "json"});
  CHECK_MESSAGE(json.exit_code == 0, json.err);
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(json.out);
  REQUIRE(root["safety"].get_array().size() == 1);
  CHECK(std::string_view(root["safety"].at(0)).find(limit) != std::string_view::npos);

  const ProcessResult markdown =
      cfsync(emulator, {"plan", "-c", dir.path().string(), "--output", "markdown"});
  CHECK(markdown.out.find("Safety: apply will refuse this plan without `--force`") !=
        std::string::npos);

  // Within the limits: an empty array.
  dir.write("cfsync.yaml", numbered_profiles(9));
  const ProcessResult within =
      cfsync(emulator, {"plan", "-c", dir.path().string(), "--output", "json"});
  CHECK_MESSAGE(within.exit_code == 0, within.err);
  CHECK(parser.parse(within.out)["safety"].get_array().size() == 0);

  // apply refuses: the error, as JSON on stdout, carries the same line.
  dir.write("cfsync.yaml", numbered_profiles(6));
  const ProcessResult refused =
      cfsync(emulator, {"apply", "-c", dir.path().string(), "--output", "json"});
  CHECK(refused.exit_code == 1);
  const simdjson::dom::element error = parser.parse(refused.out)["error"];
  CHECK(std::string_view(error["kind"]) == "plan");
  CHECK(std::string_view(error["message"]).starts_with("refusing to apply"));
  CHECK(std::string_view(error["details"].at(0)).find(limit) != std::string_view::npos);
}

TEST_CASE("--output json: an invalid configuration is an error object on stdout, exit 1") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml", std::string("account_id: ") + k_account +
                               "\ndlp:\n  settings:\n    ocrr: true\n    regex: 'SECRET-[0-9]+'\n");
  for (const char* command : {"plan", "apply", "validate"}) {
    CAPTURE(command);
    const ProcessResult result =
        cfsync(emulator, {command, "-c", dir.path().string(), "--output", "json"});
    CHECK(result.exit_code == 1);
    INFO(result.out);
    simdjson::dom::parser parser;
    const simdjson::dom::element error = parser.parse(result.out)["error"];
    CHECK(std::string_view(error["kind"]) == "config");
    CHECK(std::string_view(error["message"]).starts_with("invalid configuration"));
    CHECK(std::string_view(error["details"].at(0))
              .find("cfsync.yaml:4:5: unknown key \"ocrr\" in dlp.settings") !=
          std::string_view::npos);
    CHECK(result.out.find("SECRET-") == std::string::npos);
    // The human error is still on stderr.
    CHECK(result.err.find("error: invalid configuration") != std::string::npos);
  }
  CHECK(emulator.requests().empty());

  // An error after the configuration loaded: no credentials.
  dir.write("cfsync.yaml", std::string("account_id: ") + k_account + "\n");
  const ProcessResult no_token =
      cfsync(emulator, {"plan", "-c", dir.path().string(), "--output", "json"}, {});
  CHECK(no_token.exit_code == 1);
  simdjson::dom::parser parser;
  CHECK(std::string_view(parser.parse(no_token.out)["error"]["message"])
            .find("no Cloudflare credentials") != std::string_view::npos);
}

TEST_CASE("validate --output json: valid, the account, the files and what it declares") {
  const ProcessResult result = run({binary("cfsync"), "validate", "-c", k_example, "--output",
                                    "json", "--api-url", "http://127.0.0.1:9"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parser.parse(result.out);
  CHECK(bool(root["valid"]));
  CHECK(std::string_view(root["account_id"]) == k_account);
  CHECK(int64_t(root["files"]) >= 1);
  CHECK(root["declares"].get_array().size() >= 1);
}

}  // namespace
}  // namespace cfsync::test
