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

// The real cfsync on `repo`, through the proxy, with its state in `state`.
ProcessResult cfsync_through(const PrismProxy& prism, const std::filesystem::path& repo,
                             const std::filesystem::path& state, std::vector<std::string> args) {
  std::vector<std::string> argv = {binary("cfsync")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(),
              {"-c", repo.string(), "--api-url", prism.url(), "--state-dir", state.string()});
  return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
}

TEST_CASE("plan, apply and a clean plan through the validating proxy") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  const std::string example = source_dir() + "/examples/basic";
  const Environment env = {{"CLOUDFLARE_API_TOKEN", k_token}};
  const TempDir state;  // not the example's own, which other tests use at the same time
  auto cfsync = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(),
                {"-c", example, "--api-url", prism.url(), "--state-dir", state.path().string()});
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
      // A regex that can match text of unbounded length: refused, in a spec-valid envelope.
      {"POST", "/entries",
       R"({"name": "U", "enabled": true, "pattern": {"regex": "a+"}, "profile_id": ")" + profile +
           "\"}",
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

const std::string k_ai_fixture =
    R"({"ai_search":{"instances":[{"namespace":"default","id":"support-docs","managed":true},)"
    R"({"id":"crawler","managed":false}]}})";

TEST_CASE("documents: uploads, a replace and a prune through the proxy") {
  TempDir dir;
  const auto fixture = dir.write("fixture.json", k_ai_fixture);
  EmulatorProcess emulator({"--fixture", fixture.string(), "--index-delay-ms", "300"});
  PrismProxy prism(emulator);
  dir.write("repo/docs/intro.md", "# Intro\n");
  dir.write("repo/docs/guides/setup.md", "# Setup\n");
  dir.write("repo/docs/manual.pdf", "%PDF-1.4");
  auto write_config = [&](bool prune) {
    dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account +
                                      "\nai_search:\n  instances:\n    - id: support-docs\n"
                                      "      prune: " +
                                      (prune ? "true" : "false") +
                                      "\n      documents:\n        - dir: docs\n"
                                      "          metadata: {team: support, rank: 2}\n");
  };
  auto cfsync = [&](std::vector<std::string> args) {
    return cfsync_through(prism, dir.path() / "repo", dir.path() / "state", std::move(args));
  };
  write_config(false);
  const ProcessResult first = cfsync({"apply", "--wait"});
  CHECK_MESSAGE(first.exit_code == 0, first.err);
  dir.write("repo/docs/intro.md", "# Outro\n");
  std::filesystem::remove(dir.path() / "repo/docs/manual.pdf");
  write_config(true);
  const ProcessResult second = cfsync({"apply", "--wait"});
  CHECK_MESSAGE(second.exit_code == 0, second.err);
  const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  // Export lists the namespaces and instances and downloads each item.
  const ProcessResult exported =
      run({binary("cfsync"), "export", "--account", k_account, "--dir",
           (dir.path() / "exported").string(), "--with-documents", "--api-url", prism.url()},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(exported.exit_code == 0, exported.err);
  CHECK(std::filesystem::exists(dir.path() / "exported/ai-search/default/support-docs/intro.md"));
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("AI Search stack: cfsync creates, updates, moves and deletes through the proxy") {
  TempDir dir;
  EmulatorProcess emulator({"--instance-ready-ms", "300"});
  PrismProxy prism(emulator);
  dir.write("repo/docs/intro.md", "# Intro\n");
  auto write_config = [&](const std::string& ns, const std::string& chunk_size,
                          const std::string& extra) {
    dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account +
                                      "\nai_search:\n  namespaces:\n" + "    - name: " + ns +
                                      "\n      description: Docs\n" +
                                      "      public_endpoint_params: {enabled: true}\n" +
                                      "  instances:\n    - namespace: " + ns + "\n      id: kb\n" +
                                      "      chunk_size: " + chunk_size + "\n      chunk: true\n" +
                                      "      index_method: {vector: true, keyword: true}\n" +
                                      "      documents:\n        - dir: docs\n" + extra);
  };
  auto cfsync = [&](std::vector<std::string> args) {
    return cfsync_through(prism, dir.path() / "repo", dir.path() / "state", std::move(args));
  };
  // Namespace and instance created (the instance waited for), then the document.
  write_config("staging", "512", "");
  const ProcessResult created = cfsync({"apply", "--wait"});
  CHECK_MESSAGE(created.exit_code == 0, created.err);
  // One setting changed: the instance's PUT; then moved to a new namespace.
  write_config("staging", "1024", "");
  const ProcessResult updated = cfsync({"apply"});
  CHECK_MESSAGE(updated.exit_code == 0, updated.err);
  write_config("prod", "1024", "prune:\n  ai_search_namespaces: true\n");
  const ProcessResult moved = cfsync({"apply"});
  CHECK_MESSAGE(moved.exit_code == 0, moved.err);
  CHECK(moved.out.find("moved") != std::string::npos);
  const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  // Not declared any more: the instance, then its namespace, deleted.
  dir.write("repo/cfsync.yaml", std::string("account_id: ") + k_account +
                                    "\nprune:\n  ai_search_instances: true\n"
                                    "  ai_search_namespaces: true\nsafety:\n"
                                    "  ai_search_instance: {allow_empty: true}\n"
                                    "  ai_search_namespace: {allow_empty: true}\n");
  const ProcessResult pruned = cfsync({"apply", "--force"});
  CHECK_MESSAGE(pruned.exit_code == 0, pruned.err);
  CHECK(pruned.out.find("2 deleted") != std::string::npos);
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("the emulator's item endpoints answer as the spec says") {
  TempDir dir;
  const auto fixture = dir.write("fixture.json", k_ai_fixture);
  EmulatorProcess emulator({"--fixture", fixture.string()});
  PrismProxy prism(emulator);
  const std::string items = std::string("/accounts/") + k_account +
                            "/ai-search/namespaces/default/instances/support-docs/items";
  const std::string crawler = std::string("/accounts/") + k_account +
                              "/ai-search/namespaces/default/instances/crawler/items";
  const std::map<std::string, std::string> json = {
      {"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}};
  auto upload = [&](const std::string& path, const std::string& key, const std::string& content) {
    return http_request(prism.port(), "POST", path,
                        {{"Authorization", std::string("Bearer ") + k_token},
                         {"Content-Type", "multipart/form-data; boundary=B"}},
                        "--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
                        "{\"team\":\"support\"}\r\n--B\r\nContent-Disposition: form-data; "
                        "name=\"file\"; filename=\"" +
                            // Prism's multipart parser fails on a file part without a type.
                            key + "\"\r\nContent-Type: text/markdown\r\n\r\n" + content +
                            "\r\n--B--\r\n");
  };
  const HttpReply created = upload(items, "a.md", "# A");
  REQUIRE(created.status == 200);
  const std::string id = result_id(created);
  struct Row {
    std::string method;
    std::string target;
    std::string body;
    int status;
  };
  const std::vector<Row> rows = {
      {"GET", items + "?per_page=50&source=builtin&sort_by=modified_at&page=1", "", 200},
      {"GET", items + "?key=a.md&source=builtin", "", 200},
      {"GET", items + "?status=completed&per_page=5", "", 200},
      {"GET", items + "/" + id, "", 200},
      {"PATCH", items + "/" + id, R"({"next_action":"INDEX"})", 200},
      {"PUT", items, R"({"key":"a.md","next_action":"INDEX"})", 200},
      {"GET", items + "/nope", "", 404},
      {"DELETE", items + "/" + id, "", 200},
      {"DELETE", items + "/" + id, "", 404},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.target);
    const HttpReply reply = http_request(prism.port(), row.method, row.target, json, row.body);
    CHECK(reply.status == row.status);
    CHECK_FALSE(reply.headers.contains("sl-violations"));
  }
  struct Upload {
    std::string path;
    std::string key;
    std::size_t size;
    int status;
  };
  for (const Upload& row : std::vector<Upload>{{items, "b.md", 1, 200},
                                               {items, "b.md", 1, 409},
                                               {items, std::string(129, 'k'), 1, 400},
                                               {items, "big.pdf", (4u << 20) + 1, 413},
                                               {crawler, "c.md", 1, 400}}) {
    CAPTURE(row.status);
    const HttpReply reply = upload(row.path, row.key, std::string(row.size, 'x'));
    CHECK(reply.status == row.status);
    CHECK_FALSE(reply.headers.contains("sl-violations"));
  }
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("the emulator's namespace and instance endpoints answer as the spec says") {
  EmulatorProcess emulator;
  PrismProxy prism(emulator);
  const std::string namespaces = std::string("/accounts/") + k_account + "/ai-search/namespaces";
  const std::string docs = namespaces + "/docs";
  const std::string kb = docs + "/instances/kb";
  const std::string bucket = docs + "/instances/bucket";
  const std::string moved = namespaces + "/default/instances/kb";
  const std::map<std::string, std::string> json = {
      {"Authorization", std::string("Bearer ") + k_token}, {"Content-Type", "application/json"}};
  struct Row {
    std::string method;
    std::string target;
    std::string body;
    int status;
  };
  const std::vector<Row> rows = {
      {"POST", namespaces,
       R"({"name": "docs", "description": "Docs", "public_endpoint_params": {"enabled": true,)"
       R"( "custom_domains": ["search.example.com"], "instances_allowed": [],)"
       R"( "rate_limit": {"period_ms": 60000, "requests": 100, "technique": "fixed"},)"
       R"( "mcp": {"disabled": true}, "search_endpoint": {"disabled": false}}})",
       201},
      {"POST", namespaces, R"({"name": "docs"})", 409},
      {"GET", docs, "", 200},
      {"GET", namespaces + "?per_page=1&page=2", "", 200},
      {"POST", docs + "/instances",
       R"({"id": "kb", "chunk_size": 256, "chunk_overlap": 20, "max_num_results": 8,)"
       R"( "score_threshold": 0.5, "cache_ttl": 3600, "sync_interval": 3600,)"
       R"( "embedding_model": "@cf/baai/bge-m3", "ai_search_model": null,)"
       R"( "index_method": {"vector": true, "keyword": true},)"
       R"( "indexing_options": {"keyword_tokenizer": "trigram"},)"
       R"( "retrieval_options": {"keyword_match_mode": "or", "boost_by": [{"field": "timestamp"}]},)"
       R"( "custom_metadata": [{"field_name": "team", "data_type": "text"}],)"
       R"( "metadata": {"created_from_aisearch_wizard": false},)"
       R"( "public_endpoint_params": {"enabled": true, "custom_domains": ["kb.example.com"]}})",
       201},
      {"POST", docs + "/instances",
       R"({"id": "bucket", "type": "r2", "source": "docs-bucket",)"
       R"( "token_id": "0b3e8fb6-8a39-4c4b-9f0a-6bd3e3b7a2f1",)"
       R"( "source_params": {"prefix": "docs/", "include_items": ["/docs/**"]}})",
       201},
      // The spec's copy lost the id pattern, so Prism lets this through; the emulator refuses it.
      {"POST", docs + "/instances", R"({"id": "Bad-ID"})", 400},
      {"GET", kb, "", 200},
      {"GET", docs + "/instances?per_page=1", "", 200},
      {"PUT", kb,
       R"({"paused": true, "summarization": true, "system_prompt_ai_search": "Be brief",)"
       R"( "max_num_results": 20, "public_endpoint_params": {"enabled": false}})",
       200},
      {"PUT", docs,
       R"({"description": "Documentation", "public_endpoint_params": {"enabled": false}})", 200},
      {"GET", namespaces, "", 200},
      {"DELETE", docs, "", 400},
      {"PATCH", kb, R"({"new_namespace": "default"})", 200},
      {"PATCH", bucket, R"({"new_namespace": "docs"})", 400},
      {"GET", kb, "", 404},
      {"GET", moved, "", 200},
      {"DELETE", moved, "", 200},
      {"DELETE", bucket, "", 200},
      {"DELETE", docs, "", 200},
      {"GET", docs, "", 404},
      {"DELETE", namespaces + "/default", "", 400},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.target);
    const HttpReply reply = http_request(prism.port(), row.method, row.target, json, row.body);
    CHECK(reply.status == row.status);
    CHECK_FALSE(reply.headers.contains("sl-violations"));
  }
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("datasets: a word list and an EDM file, changed, then pruned, through the proxy") {
  TempDir dir;
  const std::string example = source_dir() + "/examples/datasets";
  EmulatorProcess emulator({"--fixture", example + "/fixture.json", "--dataset-delay-ms", "300"});
  PrismProxy prism(emulator);
  std::filesystem::copy(example, dir.path() / "repo", std::filesystem::copy_options::recursive);
  auto cfsync = [&](std::vector<std::string> args) {
    return cfsync_through(prism, dir.path() / "repo", dir.path() / "state", std::move(args));
  };
  const ProcessResult first = cfsync({"apply"});
  CHECK_MESSAGE(first.exit_code == 0, first.err);
  dir.write("repo/data/blocked-terms.txt", "project falcon\nproject heron\n");
  dir.write("repo/data/customers.csv", "email,account,region\na@example.com,AC-1,EU\n");
  const ProcessResult second = cfsync({"apply"});
  CHECK_MESSAGE(second.exit_code == 0, second.err);
  std::string config;
  {
    std::ifstream in(dir.path() / "repo/cfsync.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    config = text.str();
  }
  const std::string edm = config.substr(config.find("    - name: customer-records"));
  config.erase(config.find("    - name: customer-records"), edm.find("\n\n") + 2);
  config.replace(config.find("datasets: false"), 15, "datasets: true");
  dir.write("repo/cfsync.yaml", config);
  const ProcessResult pruned = cfsync({"apply"});
  CHECK_MESSAGE(pruned.exit_code == 0, pruned.err);
  CHECK(pruned.out.find("dataset \"customer-records\": deleted") != std::string::npos);
  const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  CHECK(prism.problems() == std::vector<std::string>{});
}

TEST_CASE("the emulator's dataset endpoints answer as the spec says") {
  TempDir dir;
  const auto fixture =
      dir.write("fixture.json", R"({"dlp":{"datasets":[{"name":"edm","encoding_version":2,)"
                                R"("columns":["email"]}]}})");
  EmulatorProcess emulator({"--fixture", fixture.string()});
  PrismProxy prism(emulator);
  const std::string datasets = std::string("/accounts/") + k_account + "/dlp/datasets";
  const std::string bearer = std::string("Bearer ") + k_token;
  auto send = [&](const std::string& method, const std::string& path, const std::string& type,
                  const std::string& body) {
    std::map<std::string, std::string> headers = {{"Authorization", bearer}};
    if (!type.empty()) headers["Content-Type"] = type;
    return http_request(prism.port(), method, datasets + path, headers, body);
  };
  const HttpReply created =
      send("POST", "", "application/json",
           R"({"name":"words","secret":false,"case_sensitive":false,"encoding_version":1})");
  REQUIRE(created.status == 200);
  simdjson::dom::parser parser;
  const std::string words(
      parser.parse(created.body)["result"]["dataset"]["id"].get_string().value());
  const HttpReply listed = send("GET", "", "", "");
  const simdjson::dom::element edm = parser.parse(listed.body)["result"].at(0);
  const std::string edm_id(edm["id"].get_string().value());
  const std::string email(edm["columns"].at(0)["entry_id"].get_string().value());
  struct Row {
    std::string method;
    std::string path;
    std::string type;
    std::string body;
    int status;
  };
  const std::string json = "application/json";
  const std::string octets = "application/octet-stream";
  const std::vector<Row> rows = {
      {"GET", "/" + words, "", "", 200},
      {"POST", "/" + words + "/upload/1", octets, "alpha\nbeta\n", 200},
      {"POST", "/" + words + "/upload/1", octets, "again\n", 409},
      {"PUT", "/" + words, json, R"({"description":"Words","case_sensitive":true})", 200},
      {"POST", "/" + words + "/upload", "", "", 200},
      {"POST", "/" + words + "/upload/2", octets, "gamma\n", 200},
      {"POST", "/" + edm_id + "/upload", "", "", 200},
      {"POST", "/" + edm_id + "/versions/2", json,
       R"([{"entry_id":")" + email +
           R"(","header_name":"email","num_cells":1},)"
           R"({"entry_name":"phone","header_name":"phone","num_cells":1}])",
       200},
      {"POST", "/" + edm_id + "/versions/2/entries/" + email, octets, "a@example.com\n", 200},
      {"POST", "/" + edm_id + "/upload/2", octets, "x\n", 400},
      {"GET", "/" + edm_id, "", "", 200},
      {"POST", "", json, R"({"name":"words"})", 409},
      {"GET", "/00000000-0000-4000-8000-000000000000", "", "", 404},
      {"DELETE", "/" + words, "", "", 200},
      {"DELETE", "/" + words, "", "", 404},
  };
  for (const Row& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    const HttpReply reply = send(row.method, row.path, row.type, row.body);
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
