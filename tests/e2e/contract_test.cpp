// The contract test: cfsync and the emulator with Prism in between, validating every request
// and every response against ../shared/cloudflare/openapi.json. Any violation fails the test.
// Without ../shared beside the repository it reports itself skipped (exit 77).
#define DOCTEST_CONFIG_IMPLEMENT
#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

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
