// End to end: AI Search namespaces and instances as code, with the real cfsync against the real
// emulator, from an empty account. Every request is counted against the minimum.
#include "tests/support/emulator_process.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;

// A namespace, an instance in it with two settings, and `documents` Markdown files.
std::string stack_config(const std::string& ns, const std::string& settings,
                         const std::string& extra = "") {
  return std::string("account_id: ") + k_account + R"(
ai_search:
  namespaces:
    - name: )" +
         ns + R"(
      description: Product docs
  instances:
    - namespace: )" +
         ns + R"(
      id: kb
)" + settings +
         R"(      documents:
        - dir: docs/
      prune: true
)" + extra;
}

const std::string k_settings = "      chunk_size: 512\n      max_num_results: 8\n";

class Stack {
 public:
  explicit Stack(std::vector<std::string> switches = {}) : m_emulator(std::move(switches)) {}

  void documents(int count) const {
    for (int i = 0; i < count; ++i) {
      const fs::path path =
          m_dir.write("repo/docs/doc-" + std::to_string(i) + ".md", "# " + std::to_string(i));
      fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
    }
  }
  void config(const std::string& yaml) const { m_dir.write("repo/cfsync.yaml", yaml); }

  ProcessResult cfsync(std::vector<std::string> args) {
    m_emulator.reset_log();
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", (m_dir.path() / "repo").string(), "--api-url", m_emulator.url(),
                             "--state-dir", (m_dir.path() / "state").string()});
    return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  }

  // The requests of the last run, as "METHOD tail" with the account's prefix cut.
  std::vector<std::string> made(bool writes_only) const {
    std::vector<std::string> out;
    const auto requests = writes_only ? writes(m_emulator.requests()) : m_emulator.requests();
    for (const LoggedRequest& request : requests) {
      std::string path = request.path.substr(request.path.find("/ai-search/") + 11);
      if (const std::size_t items = path.find("/items/"); items != std::string::npos) {
        path = path.substr(0, items) + "/items/{id}";
      }
      path = path.substr(0, path.find('?'));
      out.push_back(request.method + " " + path);
    }
    return out;
  }

  // A plan that writes nothing and has nothing to do; its requests.
  std::vector<std::string> converged() {
    const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
    INFO(plan.out);
    CHECK_MESSAGE(plan.exit_code == 0, plan.err);
    return made(false);
  }

  [[nodiscard]] const fs::path& dir() const { return m_dir.path(); }
  [[nodiscard]] std::string url() const { return m_emulator.url(); }

 private:
  TempDir m_dir;
  EmulatorProcess m_emulator;
};

std::size_t count(const std::vector<std::string>& requests, const std::string& request) {
  return static_cast<std::size_t>(std::count(requests.begin(), requests.end(), request));
}

TEST_CASE("stack: from an empty account, one apply makes the namespace, instance and documents") {
  Stack stack;
  stack.documents(20);
  stack.config(stack_config("docs", k_settings));
  const ProcessResult apply = stack.cfsync({"apply"});
  INFO(apply.out);
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(apply.out.find("22 created, 0 updated, 0 deleted") != std::string::npos);
  // The minimum: reads of the namespaces and each one's instances (2), writes of the namespace,
  // the instance and each document (22). Nothing else.
  const std::vector<std::string> made = stack.made(false);
  CHECK(made.size() == 2 + 22);
  CHECK(count(made, "GET namespaces") == 1);
  CHECK(count(made, "GET namespaces/default/instances") == 1);
  CHECK(made.at(2) == "POST namespaces");
  CHECK(made.at(3) == "POST namespaces/docs/instances");
  CHECK(count(made, "POST namespaces/docs/instances/kb/items") == 20);
  // Clean: the namespaces, each one's instances, the instance's items.
  const std::vector<std::string> plan = stack.converged();
  CHECK(plan == std::vector<std::string>{"GET namespaces", "GET namespaces/default/instances",
                                         "GET namespaces/docs/instances",
                                         "GET namespaces/docs/instances/kb/items"});
}

TEST_CASE("stack: one changed setting is exactly one PUT, and the rest is left alone") {
  Stack stack;
  stack.documents(2);
  stack.config(stack_config("docs", k_settings));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  stack.config(stack_config("docs", "      chunk_size: 1024\n      max_num_results: 8\n"));
  const ProcessResult plan = stack.cfsync({"plan"});
  CHECK(plan.out.find("chunk_size = 512 → 1024") != std::string::npos);
  const ProcessResult apply = stack.cfsync({"apply"});
  INFO(apply.out);
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(stack.made(true) == std::vector<std::string>{"PUT namespaces/docs/instances/kb"});
  stack.converged();
}

TEST_CASE("stack: an instance declared in another namespace is moved with its documents") {
  Stack stack;
  stack.documents(3);
  stack.config(stack_config("staging", k_settings));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  stack.config(stack_config("prod", k_settings));
  const ProcessResult plan = stack.cfsync({"plan"});
  INFO(plan.out);
  CHECK(plan.out.find("will be moved to another namespace") != std::string::npos);
  const ProcessResult apply = stack.cfsync({"apply"});
  INFO(apply.out);
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  // The new namespace, then the move: no document is uploaded again.
  CHECK(stack.made(true) ==
        std::vector<std::string>{"POST namespaces", "PATCH namespaces/staging/instances/kb"});
  stack.converged();
}

TEST_CASE("stack: prune deletes an undeclared instance, refused while it holds items") {
  Stack stack;
  stack.documents(2);
  stack.config(stack_config("docs", k_settings));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  // The instance is no longer declared; prune.ai_search_instances is on.
  stack.config(std::string("account_id: ") + k_account + R"(
ai_search:
  namespaces:
    - name: docs
      description: Product docs
prune:
  ai_search_instances: true
safety:
  ai_search_instance: {allow_empty: true}
)");
  const ProcessResult refused = stack.cfsync({"apply"});
  INFO(refused.out);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("delete of AI Search instance \"docs/kb\": it holds 2 items") !=
        std::string::npos);
  CHECK(stack.made(true).empty());
  const ProcessResult forced = stack.cfsync({"apply", "--force"});
  INFO(forced.out);
  REQUIRE_MESSAGE(forced.exit_code == 0, forced.err);
  CHECK(stack.made(true) == std::vector<std::string>{"DELETE namespaces/docs/instances/kb"});
  stack.converged();
}

TEST_CASE("stack: a new instance that is not ready at once is waited for, then filled") {
  Stack stack({"--instance-ready-ms", "700"});
  stack.documents(2);
  stack.config(stack_config("docs", k_settings));
  const ProcessResult apply = stack.cfsync({"apply", "--wait-timeout", "30s"});
  INFO(apply.out);
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  const std::vector<std::string> made = stack.made(false);
  CHECK(count(made, "GET namespaces/docs/instances/kb") >= 1);  // polled
  CHECK(count(made, "POST namespaces/docs/instances/kb/items") == 2);
  stack.converged();
}

TEST_CASE("stack: under a PUT that resets what it is not sent, undeclared settings stay") {
  Stack stack({"--instance-put", "reset"});
  stack.documents(1);
  stack.config(stack_config("docs", k_settings));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  // Only max_num_results changes; chunk_size, declared before, is no longer declared.
  stack.config(stack_config("docs", "      max_num_results: 9\n"));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  stack.config(stack_config("docs", k_settings));
  const ProcessResult plan = stack.cfsync({"plan", "--detailed-exitcode"});
  INFO(plan.out);
  CHECK(plan.out.find("chunk_size") == std::string::npos);  // still 512
  CHECK(plan.out.find("max_num_results = 9 → 8") != std::string::npos);
}

TEST_CASE("stack: export declares the namespace and the instance's settings, and plans clean") {
  Stack stack;
  stack.documents(2);
  stack.config(stack_config("docs", k_settings));
  REQUIRE(stack.cfsync({"apply"}).exit_code == 0);
  const fs::path out = stack.dir() / "exported";
  const ProcessResult exported =
      stack.cfsync({"export", "--account", k_account, "--dir", out.string(), "--with-documents"});
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  const ProcessResult yaml = run({"cat", (out / "cfsync.yaml").string()});
  INFO(yaml.out);
  CHECK(yaml.out.find("name: docs") != std::string::npos);
  CHECK(yaml.out.find("chunk_size: 512") != std::string::npos);
  const ProcessResult plan =
      run({binary("cfsync"), "plan", "--detailed-exitcode", "-c", out.string(), "--api-url",
           stack.url(), "--state-dir", (stack.dir() / "state").string()},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  INFO(plan.out);
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
}

}  // namespace
}  // namespace cfsync::test
