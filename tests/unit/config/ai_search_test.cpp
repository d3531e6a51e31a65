// ai_search.instances: the documents found, and every error with its place.
#include "config/load.hpp"
#include "tests/support/printers.hpp"

#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

std::vector<std::string> keys_of(const DesiredInstance& instance) {
  std::vector<std::string> out;
  for (const DesiredDocument& document : instance.documents) out.push_back(document.key);
  return out;
}

const std::string k_instance = R"(ai_search:
  instances:
    - id: support-docs
      documents:
        - dir: docs/
)";

TEST_CASE("documents: every file below dir, keyed by its path, hidden ones left out") {
  TempDir dir;
  dir.write("docs/intro.md", "# intro");
  dir.write("docs/guides/setup.md", "# setup");
  dir.write("docs/.DS_Store", "x");
  dir.write("docs/.git/config", "x");
  const auto config = load_file(dir, k_account_line + k_instance);
  REQUIRE(config);
  REQUIRE(config->desired.ai_search_instances.size() == 1);
  const DesiredInstance& instance = config->desired.ai_search_instances.front();
  CHECK(instance.namespace_name == "default");
  CHECK_FALSE(instance.prune);
  CHECK(keys_of(instance) == std::vector<std::string>{"guides/setup.md", "intro.md"});
  CHECK(instance.documents.at(1).size == 7);
}

TEST_CASE("each document keeps the stat the walk took, for the digest cache") {
  TempDir dir;
  const auto file = dir.write("docs/intro.md", "# intro");
  std::filesystem::create_directories(dir.path() / "docs/empty");
  std::filesystem::create_symlink(file, dir.path() / "docs/linked.md");
  const auto config = load_file(dir, k_account_line + k_instance);
  REQUIRE(config);
  const DesiredInstance& instance = config->desired.ai_search_instances.front();
  REQUIRE(keys_of(instance) == std::vector<std::string>{"intro.md", "linked.md"});
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  const FileStamp expected{
      .size = 7,
      .mtime_ns =
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
      .inode = static_cast<std::uint64_t>(info.st_ino)};
  for (const DesiredDocument& document : instance.documents) {
    CHECK(document.size == 7);
    CHECK(document.stamp == expected);  // a symlink: its target's
  }
}

TEST_CASE("metadata numbers JSON cannot carry, and names given twice, are refused") {
  TempDir dir;
  dir.write("docs/a.md", "# a");
  const auto config = load_file(dir, k_account_line + k_instance + R"(          metadata:
            a: nan
            b: -inf
            c: .inf
            d: 1e999
            e: "nan"
            f: 2.5
            f: 3
)");
  const std::string at = "ai_search.instances[\"default/support-docs\"].documents[0].metadata";
  const std::string tail =
      " is not a finite number, which metadata cannot carry; quote it to send it as text";
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:8:16: " + at + ".a: \"nan\"" + tail,
            "cfsync.yaml:9:16: " + at + ".b: \"-inf\"" + tail,
            "cfsync.yaml:10:16: " + at + ".c: \".inf\"" + tail,
            "cfsync.yaml:11:16: " + at + ".d: \"1e999\"" + tail,
            "cfsync.yaml:14:13: " + at + ": \"f\" is declared twice: here and at cfsync.yaml:13:13",
        });
}

TEST_CASE("include, exclude and metadata") {
  TempDir dir;
  dir.write("docs/a.md", "a");
  dir.write("docs/b.pdf", "b");
  dir.write("docs/c.txt", "c");
  dir.write("docs/drafts/d.md", "d");
  const auto config = load_file(dir, k_account_line + R"(ai_search:
  instances:
    - namespace: kb
      id: support_docs-2
      prune: true
      documents:
        - dir: docs
          include: ["**/*.md", "**/*.pdf"]
          exclude: ["drafts/**"]
          metadata: {team: support, rank: 2, public: true, label: "7"}
)");
  REQUIRE(config);
  const DesiredInstance& instance = config->desired.ai_search_instances.front();
  CHECK(instance.label() == "kb/support_docs-2");
  CHECK(instance.prune);
  CHECK(keys_of(instance) == std::vector<std::string>{"a.md", "b.pdf"});
  const Metadata& metadata = instance.documents.front().metadata;
  CHECK(metadata.at("team") == MetadataValue(std::string("support")));
  CHECK(metadata.at("rank") == MetadataValue(2.0));
  CHECK(metadata.at("public") == MetadataValue(true));
  CHECK(metadata.at("label") == MetadataValue(std::string("7")));  // quoted: text
}

TEST_CASE("the API's limits are checked before any request, naming the file") {
  TempDir dir;
  dir.write("docs/big.pdf", std::string((4u << 20) + 1, 'x'));
  dir.write("docs/" + std::string(120, 'k') + "/long-name.md", "x");
  dir.write("docs/fine.md", "x");
  CHECK(problems(load_file(dir, k_account_line + k_instance), dir) ==
        std::vector<std::string>{
            "cfsync.yaml:6:16: ai_search.instances[\"default/support-docs\"].documents[0]: "
            "docs/big.pdf is larger than 4 MiB (4.0 MiB), the upload limit",
            "cfsync.yaml:6:16: ai_search.instances[\"default/support-docs\"].documents[0]: docs/" +
                std::string(120, 'k') + "/long-name.md: its key \"" + std::string(120, 'k') +
                "/long-name.md\" is longer than 128 characters",
        });
}

TEST_CASE("two declarations that make one key") {
  TempDir dir;
  dir.write("docs/a.md", "a");
  const auto config = load_file(dir, k_account_line + R"(ai_search:
  instances:
    - id: support-docs
      documents:
        - dir: docs/
        - dir: ./docs
          include: ["*.md"]
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:7:16: ai_search.instances[\"default/support-docs\"]."
                                 "documents[1]: the key \"a.md\" is declared twice: here and at "
                                 "cfsync.yaml:6:11"});
}

TEST_CASE("symlinks that leave the config root are refused, those inside are followed") {
  TempDir outside;
  outside.write("secret.md", "s");
  TempDir dir;
  dir.write("conf/docs/a.md", "a");
  dir.write("conf/shared/b.md", "b");
  std::filesystem::create_symlink(outside.path() / "secret.md", dir.path() / "conf/docs/leak.md");
  std::filesystem::create_symlink(dir.path() / "conf/shared", dir.path() / "conf/docs/shared");
  const auto file = dir.write("conf/cfsync.yaml", k_account_line + k_instance);
  CHECK(problems(load({.path = file}), dir) ==
        std::vector<std::string>{"conf/cfsync.yaml:6:16: ai_search.instances[\"default/"
                                 "support-docs\"].documents[0].dir: leak.md is a symlink that "
                                 "leaves the config root"});
  std::filesystem::remove(dir.path() / "conf/docs/leak.md");
  const auto config = load({.path = file});
  REQUIRE(config);
  CHECK(keys_of(config->desired.ai_search_instances.front()) ==
        std::vector<std::string>{"a.md", "shared/b.md"});
}

TEST_CASE("instance, directory and pattern errors") {
  TempDir dir;
  dir.write("docs/a.md", "a");
  dir.write("file.txt", "x");
  CHECK(problems(load_file(dir, k_account_line + R"(ai_search:
  instances:
    - namespace: Bad_NS
      id: -bad
      prune: maybe
      documents:
        - dir: ../outside
        - dir: file.txt
        - dir: docs
          include: ["[a"]
          metadata: {nested: {a: 1}}
        - include: ["*"]
    - documents: []
)"),
                 dir) ==
        std::vector<std::string>{
            "cfsync.yaml:4:18: ai_search.instances[\"Bad_NS/-bad\"].namespace: expected a "
            "namespace name (lower-case letters, digits and inner hyphens, at most 28), got "
            "\"Bad_NS\"",
            "cfsync.yaml:5:11: ai_search.instances[\"Bad_NS/-bad\"].id: expected an instance id "
            "(lower-case letters, digits, '_' and single inner hyphens, at most 64), got \"-bad\"",
            "cfsync.yaml:6:14: ai_search.instances[\"Bad_NS/-bad\"].prune: expected a boolean "
            "(true or false), got \"maybe\"",
            "cfsync.yaml:8:16: ai_search.instances[\"Bad_NS/-bad\"].documents[0].dir: "
            "\"../outside\" leaves the config root \"" +
                dir.path().string() + "\"",
            "cfsync.yaml:9:16: ai_search.instances[\"Bad_NS/-bad\"].documents[1].dir: "
            "\"file.txt\" is not a directory",
            "cfsync.yaml:11:21: ai_search.instances[\"Bad_NS/-bad\"].documents[2].include[0]: "
            "the pattern has a [ without its ] (at character 1)",
            "cfsync.yaml:12:30: ai_search.instances[\"Bad_NS/-bad\"].documents[2].metadata.nested: "
            "expected a string, number or boolean, got a mapping",
            "cfsync.yaml:13:11: ai_search.instances[\"Bad_NS/-bad\"].documents[3]: dir is required",
            "cfsync.yaml:14:7: ai_search.instances[1]: id is required",
        });
}

TEST_CASE("an instance declared twice") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(ai_search:
  instances:
    - id: support-docs
    - namespace: default
      id: support-docs
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:5:7: ai_search.instances: \"default/support-docs\" "
                                 "is declared twice: here and at cfsync.yaml:4:7"});
}

TEST_CASE("namespaces and instance settings: read by the spec's schema, sent as JSON") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(ai_search:
  namespaces:
    - name: docs-ns
      description: Product docs
      public_endpoint_params:
        enabled: true
        rate_limit: {period_ms: 60000, requests: 100, technique: sliding}
  instances:
    - namespace: docs-ns
      id: kb
      chunk_size: 512
      score_threshold: 0.5
      sync_interval: 3600
      reranking_model: null
      custom_metadata:
        - {field_name: team, data_type: text}
      index_method: {vector: true, keyword: true}
prune:
  ai_search_instances: true
)");
  REQUIRE_MESSAGE(config, (config ? "" : config.error().message()));
  const DesiredState& desired = config->desired;
  REQUIRE(desired.ai_search_namespaces.size() == 1);
  CHECK(desired.ai_search_namespaces[0].name == "docs-ns");
  CHECK(
      desired.ai_search_namespaces[0].settings ==
      Settings{
          {"description", R"("Product docs")"},
          {"public_endpoint_params",
           R"({"enabled":true,"rate_limit":{"period_ms":60000,"requests":100,"technique":"sliding"}})"}});
  REQUIRE(desired.ai_search_instances.size() == 1);
  CHECK(desired.ai_search_instances[0].settings ==
        Settings{{"chunk_size", "512"},
                 {"custom_metadata", R"([{"field_name":"team","data_type":"text"}])"},
                 {"index_method", R"({"vector":true,"keyword":true})"},
                 {"reranking_model", "null"},
                 {"score_threshold", "5E-1"},
                 {"sync_interval", "3600"}});
  CHECK(desired.prune.ai_search_instances);
  CHECK_FALSE(desired.prune.ai_search_namespaces);
  CHECK(desired.manages_ai_search_stack());
}

TEST_CASE("instance settings the spec refuses are errors with their place, before any request") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(ai_search:
  namespaces:
    - name: Bad_Name
  instances:
    - id: kb
      chunk_overlap: 31
      sync_interval: 60
      fusion_method: best
      cache: "yes"
      public_endpoint_params: {rate_limit: {request: 5}}
      custom_metadata: [a, b, c, d, e, f]
      token_id: not-a-uuid
      hybrid_search_enabled: true
)");
  const std::string at = "ai_search.instances[\"default/kb\"]";
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:4:13: ai_search.namespaces[\"Bad_Name\"].name: expected a namespace name "
            "(lower-case letters, digits and inner hyphens, at most 28), got \"Bad_Name\"",
            "cfsync.yaml:7:22: " + at + ".chunk_overlap: expected an integer from 0 to 30, got 31",
            "cfsync.yaml:8:22: " + at +
                ".sync_interval: expected one of 900, 1800, 3600, 7200, 14400, 21600, 43200, "
                "86400, got \"60\"",
            "cfsync.yaml:9:22: " + at +
                ".fusion_method: expected one of \"max\", \"rrf\", got \"best\"",
            "cfsync.yaml:10:14: " + at + ".cache: expected a boolean (true or false), got \"yes\"",
            "cfsync.yaml:11:45: unknown key \"request\" in " + at +
                ".public_endpoint_params.rate_limit; did you mean \"requests\"?",
            "cfsync.yaml:12:24: " + at + ".custom_metadata: at most 5 allowed, got 6",
            "cfsync.yaml:13:17: " + at + ".token_id: expected a uuid, got \"not-a-uuid\"",
            "cfsync.yaml:14:7: unknown key \"hybrid_search_enabled\" in " + at +
                "; expected one of: namespace, id, documents, prune, ai_gateway_id, "
                "ai_search_model, cache, cache_threshold, cache_ttl, chunk, chunk_overlap, "
                "chunk_size, custom_metadata, embedding_model, fusion_method, index_method, "
                "indexing_options, max_num_results, metadata, paused, public_endpoint_params, "
                "reranking, reranking_model, retrieval_options, rewrite_model, rewrite_query, "
                "score_threshold, source, source_params, summarization, summarization_model, "
                "sync_interval, system_prompt_ai_search, system_prompt_index_summarization, "
                "system_prompt_rewrite_query, token_id, type"});
}

}  // namespace
}  // namespace cfsync::config
