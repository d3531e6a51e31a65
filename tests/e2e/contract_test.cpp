// The contract test: cfsync and the emulator with Prism in between, validating every request
// and every response against ../shared/cloudflare/openapi.json. Any violation fails the test.
// Without ../shared beside the repository it reports itself skipped (exit 77).
#define DOCTEST_CONFIG_IMPLEMENT
#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cfsync::test {
namespace {

constexpr int k_skipped = 77;

std::string prism_script() {
  return (std::filesystem::path(source_dir()).parent_path() / "shared" / "tools" / "prism.sh")
      .string();
}

// Prism as a validating proxy in front of the emulator, stopped at the end of the test.
class PrismProxy {
 public:
  explicit PrismProxy(const EmulatorProcess& emulator) : m_port(free_port()) {
    const ProcessResult started =
        run({prism_script(), "proxy", std::to_string(m_port), emulator.url()},
            {{"PRISM_LOG", log_path()}}, std::chrono::seconds(600));
    INFO(started.err);
    REQUIRE_MESSAGE(started.exit_code == 0, started.err);
    m_pid = std::stoi(started.out);
  }
  ~PrismProxy() {
    if (m_pid > 0) ::kill(m_pid, SIGTERM);
  }
  PrismProxy(const PrismProxy&) = delete;
  PrismProxy& operator=(const PrismProxy&) = delete;

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

  // Prism's log lines that report a violation or a request it terminated.
  [[nodiscard]] std::vector<std::string> problems() const {
    std::ifstream in(log_path());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
      if (line.find("iolation") != std::string::npos || line.find("✖") != std::string::npos) {
        out.push_back(line);
      }
    }
    return out;
  }

 private:
  [[nodiscard]] std::string log_path() const { return (m_dir.path() / "prism.log").string(); }

  TempDir m_dir;
  int m_port;
  int m_pid = -1;
};

TEST_CASE("plan, apply and a clean plan through the validating proxy") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  const std::string example = source_dir() + "/examples/basic";
  const Environment env = {{"CLOUDFLARE_API_TOKEN", k_token}};
  auto cfsync = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", example, "--api-url", prism.url()});
    return run(argv, env);
  };
  const ProcessResult before = cfsync({"plan", "--detailed-exitcode"});
  CHECK_MESSAGE(before.exit_code == 2, before.err);
  const ProcessResult apply = cfsync({"apply"});
  INFO(apply.err);
  CHECK_MESSAGE(apply.exit_code == 0, apply.err);
  const ProcessResult after = cfsync({"plan", "--detailed-exitcode"});
  CHECK_MESSAGE(after.exit_code == 0, after.err);
  CHECK(writes(emulator.requests()).size() == 1);
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("the emulator's answers to every settings method and to errors match the spec") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  const std::string path = std::string("/accounts/") + k_account + "/dlp/settings";
  const std::map<std::string, std::string> json = {
      {"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}};
  struct Row {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;
    std::string body;
    int status;
  };
  const std::vector<Row> rows = {
      {"GET", path, json, "", 200},
      {"PATCH", path, json, R"({"ocr":true,"payload_logging":{"public_key":"a2V5"}})", 200},
      {"PUT", path, json, R"({"ai_context_analysis":true})", 200},
      {"PATCH", path, json, R"({"payload_logging":{"public_key":"!!"}})", 400},
      {"DELETE", path, json, "", 200},
      {"GET", path, {{"Authorization", "Bearer wrong"}}, "", 401},
      {"GET", "/accounts/ffffffffffffffffffffffffffffffff/dlp/settings", json, "", 403},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.body);
    const HttpReply reply =
        http_request(prism.port(), row.method, row.target, row.headers, row.body);
    CHECK(reply.status == row.status);
    CHECK_FALSE(reply.headers.contains("sl-violations"));
  }
  CHECK(prism.problems() == std::vector<std::string>{});
}

std::string result_id(const HttpReply& reply) {
  simdjson::dom::parser parser;
  return std::string(parser.parse(reply.body)["result"]["id"].get_string().value());
}

TEST_CASE(
    "profiles: create, entries added, changed and removed, prune, predefined, through the proxy") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  TempDir dir;
  std::string config;
  {
    std::ifstream in(source_dir() + "/examples/profiles/cfsync.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    config = text.str();
  }
  auto apply = [&](const std::string& yaml) {
    dir.write("cfsync.yaml", yaml);
    const ProcessResult result =
        run({binary("cfsync"), "apply", "-c", dir.path().string(), "--api-url", prism.url()},
            {{"CLOUDFLARE_API_TOKEN", k_token}});
    CHECK_MESSAGE(result.exit_code == 0, result.err);
    const ProcessResult plan = run({binary("cfsync"), "plan", "--detailed-exitcode", "-c",
                                    dir.path().string(), "--api-url", prism.url()},
                                   {{"CLOUDFLARE_API_TOKEN", k_token}});
    CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  };
  apply(config);

  // A changed regex, a new entry, a removed entry, a changed field, a profile to prune.
  config.replace(config.find("EMP-[0-9]{6}"), 12, "EMP-[0-9]{7}");
  config.replace(config.find("        - name: Contractor number"), 0,
                 "        - name: Visitor pass\n          regex: 'VIS-[0-9]{4}'\n");
  const std::string removed =
      "        - name: Internal API token\n          regex: 'acme_[A-Za-z0-9]{32}'\n          "
      "enabled: false                 # staged: declared, not yet matching\n";
  REQUIRE(config.find(removed) != std::string::npos);
  config.erase(config.find(removed), removed.size());
  config.replace(config.find("allowed_match_count: 3"), 22, "allowed_match_count: 4");
  config.replace(config.find("profiles: false"), 15, "profiles: true");
  const HttpReply extra = http_request(
      prism.port(), "POST", std::string("/accounts/") + k_account + "/dlp/profiles/custom",
      {{"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}},
      R"({"name": "Legacy", "entries": [{"name": "Old", "enabled": true, "pattern": {"regex": "OLD"}}]})");
  CHECK(extra.status == 200);
  apply(config);
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("the emulator's profile and entry endpoints answer as the spec says") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  const std::string dlp = std::string("/accounts/") + k_account + "/dlp";
  const std::map<std::string, std::string> json = {
      {"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}};
  auto send = [&](const std::string& method, const std::string& path,
                  const std::string& body = {}) {
    return http_request(prism.port(), method, dlp + path, json, body);
  };
  const HttpReply created = send(
      "POST", "/profiles/custom",
      R"({"name": "P", "entries": [{"name": "W", "enabled": true, "words": ["a"]}],)"
      R"( "shared_entries": [{"entry_id": "1fa4a9bf-9303-48a0-9faf-121a65181898", "enabled": true}]})");
  REQUIRE(created.status == 200);
  const std::string profile = result_id(created);
  const HttpReply entry =
      send("POST", "/entries",
           R"({"name": "R", "enabled": true, "pattern": {"regex": "x"}, "profile_id": ")" +
               profile + "\"}");
  REQUIRE(entry.status == 200);
  const std::string entry_id = result_id(entry);
  const std::string cards = "/profiles/predefined/a7fa0471-2169-447c-8e9d-a2a9b34f6fc5";
  struct Row {
    std::string method;
    std::string path;
    std::string body;
    int status;
  };
  const std::vector<Row> rows = {
      {"GET", "/profiles", "", 200},
      {"GET", "/profiles/custom", "", 200},
      {"GET", "/profiles/custom/" + profile, "", 200},
      {"GET", "/profiles/" + profile, "", 200},
      {"PUT", "/profiles/custom/" + profile, R"({"name": "P2", "allowed_match_count": 2})", 200},
      {"GET", "/entries", "", 200},
      {"GET", "/entries/" + entry_id, "", 200},
      {"PUT", "/entries/custom/" + entry_id,
       R"({"name": "R", "enabled": false, "pattern": {"regex": "y"}})", 200},
      {"PUT", "/entries/" + entry_id,
       R"({"type": "custom", "name": "R", "enabled": true, "pattern": {"regex": "z"}})", 200},
      {"GET", cards, "", 200},
      {"PUT", cards, R"({"allowed_match_count": 1, "ocr_enabled": true})", 200},
      {"GET", cards + "/config", "", 200},
      {"PUT", cards + "/config", R"({"enabled_entries": ["1fa4a9bf-9303-48a0-9faf-121a65181898"]})",
       200},
      {"PUT", "/entries/predefined/86cf3a93-547e-4c86-9bf7-89d337acf832", R"({"enabled": true})",
       200},
      {"POST", "/entries/predefined",
       R"({"entry_id": "86cf3a93-547e-4c86-9bf7-89d337acf832", "enabled": false})", 200},
      {"GET", "/profiles/custom/00000000-0000-4000-8000-000000000000", "", 404},
      {"POST", "/profiles/custom",
       R"({"name": "P", "shared_entries": [{"entry_id": "00000000-0000-4000-8000-000000000000", "enabled": true}]})",
       400},
      {"DELETE", "/entries/" + entry_id, "", 200},
      {"DELETE", "/profiles/custom/" + profile, "", 200},
      {"DELETE", cards, "", 200},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    const HttpReply reply = send(row.method, row.path, row.body);
    CHECK(reply.status == row.status);
    CHECK_FALSE(reply.headers.contains("sl-violations"));
  }
  CHECK(prism.problems() == std::vector<std::string>{});
}

}  // namespace
}  // namespace cfsync::test

int main(int argc, char** argv) {
  if (!std::filesystem::exists(cfsync::test::prism_script())) {
    std::printf("contract test skipped: %s not found (../shared is not beside the repository)\n",
                cfsync::test::prism_script().c_str());
    return cfsync::test::k_skipped;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
