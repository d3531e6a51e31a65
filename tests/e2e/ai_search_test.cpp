// End to end: AI Search documents with the real cfsync against the real emulator. Writes and
// list requests are counted.
#include "tests/support/emulator_process.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;

const std::string k_fixture =
    R"({"ai_search":{"instances":[{"namespace":"default","id":"support-docs","managed":true},)"
    R"({"namespace":"default","id":"crawler","managed":false}]}})";

std::string config_for(
    const std::string& instance, bool prune,
    const std::string& extra = "          include: [\"**/*.md\", \"**/*.pdf\"]\n") {
  return std::string("account_id: ") + k_account + R"(
ai_search:
  instances:
    - id: )" +
         instance + R"(
      prune: )" +
         (prune ? "true" : "false") + R"(
      documents:
        - dir: docs/
)" + extra;
}

class Documents {
 public:
  explicit Documents(std::vector<std::string> emulator_switches = {})
      : m_fixture(m_dir.write("fixture.json", k_fixture)),
        m_emulator(with_fixture(std::move(emulator_switches))) {}

  void file(const std::string& key, const std::string& content) const {
    const fs::path path = m_dir.write("repo/docs/" + key, content);
    // Not fresh: the digest cache keeps only files untouched for a few seconds.
    fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  void remove(const std::string& key) const { fs::remove(m_dir.path() / "repo/docs" / key); }
  void config(const std::string& yaml) const { m_dir.write("repo/cfsync.yaml", yaml); }

  ProcessResult cfsync(std::vector<std::string> args) const {
    std::vector<std::string> argv = {binary("cfsync")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", (m_dir.path() / "repo").string(), "--api-url", m_emulator.url(),
                             "--state-dir", (m_dir.path() / "state").string()});
    return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  }

  // Applies and returns the requests the apply made, as "METHOD path-tail".
  std::vector<std::string> apply(std::vector<std::string> extra = {}) {
    m_emulator.reset_log();
    std::vector<std::string> args = {"apply"};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult result = cfsync(args);
    INFO(result.out);
    REQUIRE_MESSAGE(result.exit_code == 0, result.err);
    return writes_made();
  }

  std::vector<std::string> writes_made() const {
    std::vector<std::string> out;
    for (const LoggedRequest& request : writes(m_emulator.requests())) {
      const std::size_t items = request.path.find("/items");
      out.push_back(request.method + " " +
                    (request.path.size() > items + 6 ? "items/{id}" : "items"));
    }
    return out;
  }

  // A plan reads the list (ceil(N/50) pages), writes nothing, and has nothing to do.
  std::size_t check_converged() {
    m_emulator.reset_log();
    const ProcessResult plan = cfsync({"plan", "--detailed-exitcode"});
    INFO(plan.out);
    CHECK_MESSAGE(plan.exit_code == 0, plan.err);
    const auto requests = m_emulator.requests();
    CHECK(writes(requests).empty());
    return requests.size();
  }

  void remove_state() const { fs::remove_all(m_dir.path() / "state"); }
  EmulatorProcess& emulator() { return m_emulator; }

 private:
  EmulatorProcess with_fixture(std::vector<std::string> switches) const {
    switches.insert(switches.begin(), {"--fixture", m_fixture.string()});
    return EmulatorProcess(switches);
  }

  TempDir m_dir;
  fs::path m_fixture;
  EmulatorProcess m_emulator;
};

// Three documents (two Markdown files and a PDF) and a file the include patterns leave out.
void add_tree(const Documents& documents) {
  documents.config(config_for("support-docs", false));
  documents.file("intro.md", "# Intro\n");
  documents.file("guides/setup.md", "# Setup\n");
  documents.file("manual.pdf", "%PDF-1.4 ...");
  documents.file("notes.txt", "not included");
}

TEST_CASE("first upload of a tree: one upload per file, then a clean plan") {
  Documents documents;
  add_tree(documents);
  CHECK(documents.apply() == std::vector<std::string>(3, "POST items"));
  CHECK(documents.check_converged() == 1);
}

TEST_CASE("a no-op plan over N documents makes ceil(N/50) list requests") {
  for (const int count : {50, 120}) {
    CAPTURE(count);
    Documents documents;
    documents.config(config_for("support-docs", false));
    for (int i = 0; i < count; ++i) documents.file("doc" + std::to_string(i) + ".md", "x");
    CHECK(documents.apply().size() == static_cast<std::size_t>(count));
    CHECK(documents.check_converged() == static_cast<std::size_t>((count + 49) / 50));
  }
}

TEST_CASE("unchanged documents are not written, with or without the state directory") {
  Documents documents;
  add_tree(documents);
  documents.apply();
  const ProcessResult cold = documents.cfsync({"plan", "--log-level", "debug"});
  CHECK(cold.err.find("3 documents hashed, 3 read from disk") != std::string::npos);
  const ProcessResult warm =
      documents.cfsync({"plan", "--detailed-exitcode", "--log-level", "debug"});
  CHECK(warm.exit_code == 0);
  CHECK(warm.err.find("3 documents hashed, 0 read from disk") != std::string::npos);

  documents.remove_state();  // a fresh CI runner: no local state at all
  const ProcessResult fresh =
      documents.cfsync({"plan", "--detailed-exitcode", "--log-level", "debug"});
  CHECK(fresh.exit_code == 0);
  CHECK(fresh.err.find("3 documents hashed, 3 read from disk") != std::string::npos);
  CHECK(documents.check_converged() == 1);
}

TEST_CASE("changed content of the same size is a replace: delete, then upload") {
  Documents documents;
  add_tree(documents);
  documents.apply();
  documents.file("intro.md", "# Outro\n");  // same size, other content
  const ProcessResult plan = documents.cfsync({"plan"});
  // Both sides the same size, told apart by a keyed digest of their checksums.
  CHECK(std::regex_search(plan.out, std::regex(R"(-/\+ content = hmac:[0-9a-f]{8}… \(8 bytes\) → )"
                                               R"(hmac:[0-9a-f]{8}… \(8 bytes\))")));
  CHECK(documents.apply() == std::vector<std::string>{"DELETE items/{id}", "POST items"});
  documents.check_converged();
}

TEST_CASE("changed metadata is a replace") {
  Documents documents;
  add_tree(documents);
  documents.apply();
  documents.config(config_for("support-docs", false,
                              "          include: [\"**/*.md\", \"**/*.pdf\"]\n"
                              "          metadata: {team: support}\n"));
  // Three replaces run side by side: each deletes, then uploads; across items the order varies.
  std::vector<std::string> writes = documents.apply();
  std::sort(writes.begin(), writes.end());
  CHECK(writes == std::vector<std::string>{"DELETE items/{id}", "DELETE items/{id}",
                                           "DELETE items/{id}", "POST items", "POST items",
                                           "POST items"});
  documents.check_converged();
}

TEST_CASE("one new document is one write") {
  Documents documents;
  add_tree(documents);
  documents.apply();
  documents.file("guides/faq.md", "# FAQ\n");
  CHECK(documents.apply() == std::vector<std::string>{"POST items"});
  documents.check_converged();
}

TEST_CASE("a removed file: left alone and listed without prune, deleted with it") {
  Documents documents;
  add_tree(documents);
  documents.apply();
  documents.remove("manual.pdf");
  const ProcessResult kept = documents.cfsync({"plan", "--detailed-exitcode"});
  CHECK(kept.exit_code == 0);
  CHECK(kept.out.find("ai_search_item \"default/support-docs\" / \"manual.pdf\"") !=
        std::string::npos);
  CHECK(documents.apply().empty());

  documents.config(config_for("support-docs", true));
  CHECK(documents.apply() == std::vector<std::string>{"DELETE items/{id}"});
  documents.check_converged();
}

TEST_CASE("the 128-character and 4 MiB limits: exit 1 naming the file, no request") {
  for (const auto& [key, size, message] :
       {std::tuple{std::string(126, 'k') + ".md", std::size_t{1},
                   std::string("is longer than 128 characters")},
        std::tuple{std::string("huge.pdf"), std::size_t{(4u << 20) + 1},
                   std::string("docs/huge.pdf is larger than 4 MiB")}}) {
    CAPTURE(message);
    Documents documents;
    add_tree(documents);
    documents.file(key, std::string(size, 'x'));
    const ProcessResult result = documents.cfsync({"apply"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find(message) != std::string::npos);
    CHECK(documents.emulator().requests().empty());
  }
}

TEST_CASE("checksums in SHA-256 work as well as MD5") {
  Documents documents({"--item-checksum", "sha256"});
  add_tree(documents);
  documents.apply();
  CHECK(documents.check_converged() == 1);
  documents.file("intro.md", "# Outro\n");
  CHECK(documents.apply() == std::vector<std::string>{"DELETE items/{id}", "POST items"});
  documents.check_converged();
}

TEST_CASE("queued deletes (--item-delete-delay-ms): each replace waits for its key, then uploads") {
  Documents documents({"--item-delete-delay-ms", "1500"});
  documents.config(config_for("support-docs", false));
  for (int i = 0; i < 6; ++i) documents.file("doc" + std::to_string(i) + ".md", "# old\n");
  documents.apply();
  for (int i = 0; i < 6; ++i) documents.file("doc" + std::to_string(i) + ".md", "# new\n");
  documents.emulator().reset_log();
  const ProcessResult apply = documents.cfsync({"apply"});
  CHECK_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(apply.out.find("Apply complete: 0 created, 0 updated, 6 replaced, 0 deleted.") !=
        std::string::npos);
  std::size_t deletes = 0;
  std::size_t uploaded = 0;
  std::size_t refused = 0;
  for (const LoggedRequest& request : writes(documents.emulator().requests())) {
    if (request.method == "DELETE") ++deletes;
    if (request.method == "POST" && request.status == 200) ++uploaded;
    if (request.method == "POST" && request.status == 409) ++refused;
  }
  CHECK(deletes == 6);
  CHECK(uploaded == 6);
  CHECK(refused >= 6);  // each upload met its key still held at least once
  // Every document is there with its new content (the plan compares checksums), at once.
  CHECK(documents.check_converged() == 1);
}

TEST_CASE("checksums that are not hex digests, and null sizes: compared by the upload records") {
  const std::vector<std::vector<std::string>> variants = {
      {"--item-checksum=opaque"}, {"--item-checksum=opaque", "--item-null-sizes"}};
  for (const std::vector<std::string>& variant : variants) {
    CAPTURE(variant.size());
    Documents documents(variant);
    add_tree(documents);
    // DLP settings in the same configuration: never held up by the items.
    std::string yaml = config_for("support-docs", false);
    yaml.insert(yaml.find("ai_search:"), "dlp:\n  settings:\n    ocr: true\n");
    documents.config(yaml);
    CHECK(documents.apply().size() == 4);  // the settings PATCH and three uploads
    CHECK(documents.check_converged() == 2);

    // Content of the same size changed: the record says so.
    documents.file("intro.md", "# Outro\n");
    const ProcessResult plan = documents.cfsync({"plan"});
    CHECK(plan.out.find("and the file changed since this machine uploaded it") !=
          std::string::npos);
    CHECK(documents.apply() == std::vector<std::string>{"DELETE items/{id}", "POST items"});
    CHECK(documents.check_converged() == 2);

    // Without the state directory (another machine), each item is uploaded once more, then
    // recorded: converged again.
    documents.remove_state();
    const ProcessResult cold = documents.cfsync({"plan", "--detailed-exitcode"});
    CHECK(cold.exit_code == 2);
    CHECK(cold.out.find("no upload of it is recorded in the state directory") != std::string::npos);
    CHECK(documents.apply().size() == 6);
    CHECK(documents.check_converged() == 2);
  }
}

TEST_CASE("null sizes with hex checksums: compared by checksum, records or not") {
  Documents documents({"--item-null-sizes"});
  add_tree(documents);
  documents.apply();
  CHECK(documents.check_converged() == 1);
  documents.remove_state();
  CHECK(documents.check_converged() == 1);
  documents.file("intro.md", "# Outro\n");
  CHECK(documents.apply() == std::vector<std::string>{"DELETE items/{id}", "POST items"});
  CHECK(documents.check_converged() == 1);
}

TEST_CASE("metadata the server sets (--item-builtin-metadata) is never a change, nor exported") {
  Documents documents({"--item-builtin-metadata"});
  add_tree(documents);
  const std::string extra = "          include: [\"**/*.md\", \"**/*.pdf\"]\n";
  documents.config(config_for("support-docs", false, extra + "          metadata: {team: docs}\n"));
  documents.apply();
  CHECK(documents.check_converged() == 1);
  const TempDir out;
  const ProcessResult exported = run(
      {binary("cfsync"), "export", "--account", k_account, "--api-url", documents.emulator().url(),
       "--dir", (out.path() / "export").string(), "--with-documents"},
      {{"CLOUDFLARE_API_TOKEN", k_token}});
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
  std::ifstream in(out.path() / "export" / "cfsync.yaml");
  std::ostringstream yaml;
  yaml << in.rdbuf();
  CHECK(yaml.str().find("team: docs") != std::string::npos);
  CHECK(yaml.str().find("timestamp") == std::string::npos);
  CHECK(yaml.str().find("folder") == std::string::npos);

  // A key the configuration no longer declares is taken away: cfsync recorded that it set it.
  documents.config(config_for("support-docs", false));
  const ProcessResult plan = documents.cfsync({"plan"});
  CHECK(plan.out.find("metadata.team = \"docs\" → null") != std::string::npos);
  std::vector<std::string> writes = documents.apply();
  CHECK(writes.size() == 6);
  CHECK(documents.check_converged() == 1);
}

TEST_CASE("apply --wait: waits for indexing, and fails on an indexing error") {
  Documents indexing({"--index-delay-ms", "400"});
  add_tree(indexing);
  const ProcessResult waited = indexing.cfsync({"apply", "--wait"});
  CHECK_MESSAGE(waited.exit_code == 0, waited.err);
  CHECK(waited.out.find("Indexing: 3 completed.") != std::string::npos);

  Documents failing({"--index-delay-ms", "200", "--index-error-pattern", "*setup*"});
  add_tree(failing);
  const ProcessResult result = failing.cfsync({"apply", "--wait", "--wait-timeout", "30s"});
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("Indexing: 2 completed, 1 error.") != std::string::npos);
  CHECK(result.out.find("\"guides/setup.md\": the document could not be parsed") !=
        std::string::npos);
}

TEST_CASE("a non-managed instance refuses the uploads, and apply says so") {
  Documents documents;
  add_tree(documents);
  documents.config(config_for("crawler", false));
  const ProcessResult result = documents.cfsync({"apply"});
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("This operation requires a managed instance.") != std::string::npos);
}

TEST_CASE("examples/ai-search makes its namespace and instance, converges, leaves drafts out") {
  const std::string example = source_dir() + "/examples/ai-search";
  TempDir state;
  EmulatorProcess emulator;
  std::vector<std::string> argv = {binary("cfsync"),
                                   "apply",
                                   "--wait",
                                   "-c",
                                   example,
                                   "--api-url",
                                   emulator.url(),
                                   "--state-dir",
                                   state.path().string()};
  const ProcessResult apply = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  REQUIRE_MESSAGE(apply.exit_code == 0, apply.err);
  CHECK(writes(emulator.requests()).size() == 5);  // the namespace, the instance, 3 documents
  CHECK(apply.out.find("roadmap") == std::string::npos);
  argv = {binary("cfsync"), "plan",        "--detailed-exitcode", "-c", example, "--api-url",
          emulator.url(),   "--state-dir", state.path().string()};
  emulator.reset_log();
  const ProcessResult plan = run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK_MESSAGE(plan.exit_code == 0, plan.err);
  // The namespaces, each one's instances (default and support), the instance's items.
  CHECK(emulator.requests().size() == 4);
}

}  // namespace
}  // namespace cfsync::test
