// Loading the desired state: every error kind, with its exact message and location.
#include "config/load.hpp"

#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

TEST_CASE("a valid file gives the desired settings") {
  TempDir dir;
  dir.write("keys/payload.pub", "  c2VjcmV0LWtleQ==\n");
  const auto config = load_file(dir, k_account_line + R"(
dlp:
  settings:
    ai_context_analysis: true
    ocr: False
    payload_logging:
      masking_level: partial
      public_key_file: keys/payload.pub
)");
  REQUIRE(config);
  const DesiredState& desired = config->desired;
  CHECK(desired.account_id == k_account);
  REQUIRE(desired.dlp_settings);
  CHECK(desired.dlp_settings->ai_context_analysis == true);
  CHECK(desired.dlp_settings->ocr == false);
  CHECK(desired.dlp_settings->masking_level == MaskingLevel::partial);
  REQUIRE(desired.dlp_settings->public_key);
  CHECK(desired.dlp_settings->public_key->reveal() == "c2VjcmV0LWtleQ==");
  CHECK(config->files.size() == 2);  // the YAML file and the key file it names
}

TEST_CASE("keys that are not declared stay unmanaged") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + "dlp:\n  settings:\n    ocr: true\n");
  REQUIRE(config);
  CHECK(config->desired.dlp_settings->ocr == true);
  CHECK_FALSE(config->desired.dlp_settings->ai_context_analysis);
  CHECK_FALSE(config->desired.dlp_settings->masking_level);
  CHECK_FALSE(config->desired.dlp_settings->public_key);
}

TEST_CASE("an empty settings block manages nothing, no block declares nothing") {
  TempDir dir;
  auto config = load_file(dir, k_account_line + "dlp:\n  settings:\n");
  REQUIRE(config);
  REQUIRE(config->desired.dlp_settings);
  CHECK(*config->desired.dlp_settings == DesiredDlpSettings{});
  config = load_file(dir, k_account_line);
  REQUIRE(config);
  CHECK_FALSE(config->desired.dlp_settings);
}

TEST_CASE("public_key \"\" or null declares payload logging disabled") {
  TempDir dir;
  for (const char* value : {"\"\"", "null", ""}) {
    CAPTURE(value);
    const auto config = load_file(
        dir, k_account_line +
                 "dlp:\n  settings:\n    payload_logging:\n      public_key: " + value + "\n");
    REQUIRE(config);
    REQUIRE(config->desired.dlp_settings->public_key);
    CHECK(config->desired.dlp_settings->public_key->empty());
  }
}

TEST_CASE("unknown keys are named with a suggestion or the keys expected") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dpl: {}
dlp:
  settings:
    ocrr: true
    colour: red
    payload_logging:
      masking_levle: full
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:2:1: unknown key \"dpl\" at the top level; did you mean \"dlp\"?",
            "cfsync.yaml:5:5: unknown key \"ocrr\" in dlp.settings; did you mean \"ocr\"?",
            "cfsync.yaml:6:5: unknown key \"colour\" in dlp.settings; expected one of: "
            "ai_context_analysis, ocr, payload_logging",
            "cfsync.yaml:8:7: unknown key \"masking_levle\" in dlp.settings.payload_logging; did "
            "you mean \"masking_level\"?",
        });
  CHECK(config.error().kind() == ErrorKind::config);
  CHECK(config.error().message() == "invalid configuration: 4 errors");
}

TEST_CASE("wrong types name the field, what was expected and what was found") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  settings:
    ocr: yes
    ai_context_analysis: "true"
    payload_logging: [full]
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:4:10: dlp.settings.ocr: expected a boolean (true or false), got \"yes\"",
            "cfsync.yaml:5:26: dlp.settings.ai_context_analysis: expected a boolean (true or "
            "false), got \"true\"",
            "cfsync.yaml:6:22: dlp.settings.payload_logging: expected a mapping, got a sequence",
        });
}

TEST_CASE("a section that must be a mapping") {
  TempDir dir;
  CHECK(problems(load_file(dir, k_account_line + "dlp: settings\n"), dir) ==
        std::vector<std::string>{"cfsync.yaml:2:6: dlp: expected a mapping, got \"settings\""});
  CHECK(problems(load_file(dir, "- a\n- b\n"), dir) ==
        std::vector<std::string>{
            "cfsync.yaml:1:1: the top level: expected a mapping, got a sequence",
            "cfsync.yaml:1:1: account_id is not set; declare it at the top level or set "
            "CLOUDFLARE_ACCOUNT_ID"});
}

TEST_CASE("bad enum values list the allowed ones and suggest the closest") {
  TempDir dir;
  const auto config =
      load_file(dir, k_account_line +
                         "dlp:\n  settings:\n    payload_logging:\n      masking_level: fulll\n");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:5:22: dlp.settings.payload_logging.masking_level: expected one of full, "
            "partial, clear, default, got \"fulll\"; did you mean \"full\"?"});
}

TEST_CASE("a key given twice in one mapping") {
  TempDir dir;
  const auto config =
      load_file(dir, k_account_line + "dlp:\n  settings:\n    ocr: true\n    ocr: false\n");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:5:5: duplicate key \"ocr\" in dlp.settings (first "
                                 "at cfsync.yaml:4:5)"});
}

TEST_CASE("YAML syntax errors carry the parser's position") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + "dlp:\n  settings: {ocr: true\n");
  const auto lines = problems(config, dir);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front().starts_with("cfsync.yaml:4:1: invalid YAML: "));
}

TEST_CASE("one document per file") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + "---\ndlp: {}\n");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{
            "cfsync.yaml:3:1: a second YAML document; cfsync reads one document per file"});
}

TEST_CASE("account id: format, absence, and the environment") {
  TempDir dir;
  CHECK(problems(load_file(dir, "account_id: 12345\n"), dir) ==
        std::vector<std::string>{"cfsync.yaml:1:13: account_id: expected a 32-character "
                                 "lower-case hex account id, got \"12345\""});
  CHECK(problems(load_file(dir, "dlp: {}\n"), dir) ==
        std::vector<std::string>{"cfsync.yaml:1:1: account_id is not set; declare it at the top "
                                 "level or set CLOUDFLARE_ACCOUNT_ID"});

  const auto from_env = load_file(dir, "dlp: {}\n", k_account);
  REQUIRE(from_env);
  CHECK(from_env->desired.account_id == k_account);

  CHECK(problems(load_file(dir, "dlp: {}\n", "nope"), dir) ==
        std::vector<std::string>{
            "CLOUDFLARE_ACCOUNT_ID: expected a 32-character lower-case hex account id"});

  const auto same = load_file(dir, k_account_line, k_account);
  CHECK(same);
  CHECK(problems(load_file(dir, k_account_line, "ffffffffffffffffffffffffffffffff"), dir) ==
        std::vector<std::string>{"cfsync.yaml:1:13: account_id differs from "
                                 "CLOUDFLARE_ACCOUNT_ID; unset one of them"});
}

TEST_CASE("payload logging key errors never repeat the key") {
  TempDir dir;
  const std::string secretish = "not base64 at all!";
  const auto config = load_file(
      dir, k_account_line +
               "dlp:\n  settings:\n    payload_logging:\n      public_key: " + secretish + "\n");
  const auto lines = problems(config, dir);
  CHECK(lines == std::vector<std::string>{
                     "cfsync.yaml:5:19: dlp.settings.payload_logging.public_key: expected a base64 "
                     "public key, or \"\" to disable payload logging"});
  for (const std::string& line : lines) CHECK(line.find(secretish) == std::string::npos);
}

TEST_CASE("public_key and public_key_file together") {
  TempDir dir;
  dir.write("k.pub", "a2V5\n");
  const auto config = load_file(dir, k_account_line + R"(dlp:
  settings:
    payload_logging:
      public_key: a2V5
      public_key_file: k.pub
)");
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:6:24: dlp.settings.payload_logging: set public_key "
                                 "or public_key_file, not both"});
}

TEST_CASE("public_key_file must stay inside the config root") {
  TempDir outside;
  outside.write("secret.pub", "a2V5\n");
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf");
  std::filesystem::create_symlink(outside.path() / "secret.pub", dir.path() / "conf" / "link.pub");
  const auto file = dir.write("conf/cfsync.yaml", k_account_line + R"(dlp:
  settings:
    payload_logging:
      public_key_file: ../escape.pub
)");
  auto config = load({.path = file});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"conf/cfsync.yaml:5:24: dlp.settings.payload_logging."
                                 "public_key_file: \"../escape.pub\" leaves the config root "
                                 "\"conf\""});

  dir.write("conf/cfsync.yaml", k_account_line + R"(dlp:
  settings:
    payload_logging:
      public_key_file: link.pub
)");
  config = load({.path = file});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"conf/cfsync.yaml:5:24: dlp.settings.payload_logging."
                                 "public_key_file: \"link.pub\" leaves the config root \"conf\""});
}

TEST_CASE("public_key_file: missing, empty, a FIFO or huge, refused before it is read") {
  TempDir dir;
  dir.write("empty.pub", "\n");
  REQUIRE(::mkfifo((dir.path() / "fifo.pub").c_str(), 0600) == 0);
  // 1 GiB, sparse: only its size is looked at.
  std::filesystem::resize_file(dir.write("huge.pub", ""), 1024ull * 1024 * 1024);
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"missing.pub", "\"missing.pub\" cannot be read: No such file or directory"},
      {"empty.pub", "\"empty.pub\" does not hold a base64 public key (one line of base64 text)"},
      {"fifo.pub", "\"fifo.pub\" is not a regular file"},
      {"huge.pub", "\"huge.pub\" is larger than 64 KiB (1024 MiB), the limit for this file"},
  };
  for (const auto& [file, problem] : rows) {
    CAPTURE(file);
    const auto config = load_file(dir, k_account_line +
                                           "dlp:\n  settings:\n    payload_logging:\n"
                                           "      public_key_file: " +
                                           file + "\n");
    CHECK(problems(config, dir) ==
          std::vector<std::string>{
              "cfsync.yaml:5:24: dlp.settings.payload_logging.public_key_file: " + problem});
  }
}

TEST_CASE("a directory's *.yaml that links outside it is refused, one inside is read") {
  TempDir outside;
  const auto elsewhere = outside.write("other.yaml", "prune: {profiles: true}\n");
  TempDir dir;
  dir.write("conf/cfsync.yaml", k_account_line);
  dir.write("conf/shared/prune.yaml", "prune: {datasets: true}\n");
  std::filesystem::create_symlink(elsewhere, dir.path() / "conf" / "linked.yaml");
  auto config = load({.path = dir.path() / "conf"});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"conf/linked.yaml:1:1: is a symbolic link to a file outside the "
                                 "configuration directory \"conf\"; refused, as a referenced "
                                 "file would be"});
  std::filesystem::remove(dir.path() / "conf" / "linked.yaml");
  std::filesystem::create_symlink("shared/prune.yaml", dir.path() / "conf" / "linked.yaml");
  config = load({.path = dir.path() / "conf"});
  REQUIRE(config);
  CHECK(config->desired.prune.datasets);
}

TEST_CASE("a *.yaml that is a FIFO does not block the load") {
  TempDir dir;
  dir.write("conf/cfsync.yaml", k_account_line);
  REQUIRE(::mkfifo((dir.path() / "conf" / "pipe.yaml").c_str(), 0600) == 0);
  const auto config = load({.path = dir.path() / "conf"});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"conf/pipe.yaml:1:1: is not a regular file"});
}

TEST_CASE("what /readyz may show: each problem's place and kind, no value") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(dlp:
  settings:
    ocr: c2VjcmV0LWtleS1wYXN0ZWQtaW4tdGhlLXdyb25nLWZpZWxk
    ocrr: true
)");
  REQUIRE_FALSE(config);
  // Too long to be a typo: described by its length, even in the operator's own error lines.
  CHECK(problems(config, dir).at(0) ==
        "cfsync.yaml:4:10: dlp.settings.ocr: expected a boolean (true or false), got a string of "
        "48 character(s)");
  CHECK(outline(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:4:10: wrong type", "cfsync.yaml:5:5: unknown key"});
}

TEST_CASE("every error in a file is reported at once") {
  TempDir dir;
  const auto config = load_file(dir, R"(account_id: xyz
dlp:
  settings:
    ocr: maybe
    ai_context_analysis: 1
    payload_logging:
      masking_level: none
)");
  CHECK(problems(config, dir).size() == 4);
}

TEST_CASE("a directory merges its *.yaml files") {
  TempDir dir;
  dir.write("conf/00-account.yaml", k_account_line);
  dir.write("conf/10-dlp.yml", "dlp:\n  settings:\n    ocr: true\n");
  dir.write("conf/notes.txt", "not: yaml: at all");
  dir.write("conf/.hidden.yaml", "garbage: [");
  const auto config = load({.path = dir.path() / "conf"});
  REQUIRE(config);
  CHECK(config->desired.account_id == k_account);
  CHECK(config->desired.dlp_settings->ocr == true);
  CHECK(config->files.size() == 2);
}

TEST_CASE("a resource declared in two files names both places") {
  TempDir dir;
  dir.write("conf/a.yaml", k_account_line + "dlp:\n  settings:\n    ocr: true\n");
  dir.write("conf/b.yaml", "dlp:\n  settings:\n    ocr: false\n");
  const auto config = load({.path = dir.path() / "conf"});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"conf/b.yaml:2:3: dlp.settings is declared twice: here and at "
                                 "conf/a.yaml:3:3"});
}

TEST_CASE("prune may be split across files, each kind declared once") {
  TempDir dir;
  dir.write("conf/a.yaml", k_account_line + "prune: {profiles: true}\n");
  dir.write("conf/b.yaml", "prune:\n  datasets: true\n");
  const auto split = load({.path = dir.path() / "conf"});
  REQUIRE(split);
  CHECK(split->desired.prune.profiles);
  CHECK(split->desired.prune.datasets);
  CHECK_FALSE(split->desired.prune.ai_search_instances);
  dir.write("conf/b.yaml", "prune:\n  datasets: true\n  profiles: false\n");
  CHECK(problems(load({.path = dir.path() / "conf"}), dir) ==
        std::vector<std::string>{"conf/b.yaml:3:13: prune.profiles is declared twice: here and at "
                                 "conf/a.yaml:2:19"});
}

TEST_CASE("account_id in two files must agree") {
  TempDir dir;
  dir.write("conf/a.yaml", k_account_line);
  dir.write("conf/b.yaml", "account_id: ffffffffffffffffffffffffffffffff\n");
  CHECK(problems(load({.path = dir.path() / "conf"}), dir) ==
        std::vector<std::string>{"conf/b.yaml:1:13: account_id is declared twice with different "
                                 "values: here and at conf/a.yaml:1:13"});
  dir.write("conf/b.yaml", k_account_line);
  CHECK(load({.path = dir.path() / "conf"}));
}

TEST_CASE("a configuration that cannot be found or holds no YAML") {
  TempDir dir;
  const auto missing = load({.path = dir.path() / "nope.yaml"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind() == ErrorKind::io);
  CHECK(missing.error().message().ends_with("nope.yaml\" does not exist"));

  std::filesystem::create_directories(dir.path() / "empty");
  const auto empty = load({.path = dir.path() / "empty"});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message().ends_with("empty\" has no *.yaml files"));
}

TEST_CASE("default path: ./cfsync.yaml, else ./cfsync/") {
  TempDir dir;
  CHECK_FALSE(default_path(dir.path()));
  std::filesystem::create_directories(dir.path() / "cfsync");
  CHECK(*default_path(dir.path()) == "cfsync");
  dir.write("cfsync.yaml", k_account_line);
  CHECK(*default_path(dir.path()) == "cfsync.yaml");
}

}  // namespace
}  // namespace cfsync::config

namespace cfsync::config {
namespace {

using testing::k_account_line;
using testing::load_file;
using testing::problems;

TEST_CASE("safety: limits per kind, the others keep the defaults") {
  test::TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(safety:
  ai_search_item: {max_delete_percent: 50, max_delete_count: 500, allow_empty: true}
  dlp_profile: {max_delete_count: 3}
)");
  REQUIRE(config);
  const auto& safety = config->desired.safety;
  REQUIRE(safety.size() == 2);
  CHECK(safety.at(ResourceKind::ai_search_item) == SafetyLimits{50, 500, true});
  CHECK(safety.at(ResourceKind::dlp_profile) == SafetyLimits{30, 3, false});
}

TEST_CASE("safety: unknown kinds and limits, and values out of range, are errors") {
  test::TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(safety:
  dlp_profiles: {max_delete_percent: 10}
  dlp_dataset: {max_delete_percent: 130, allow_empty: yes}
)");
  const std::vector<std::string> found = problems(config, dir);
  REQUIRE(found.size() == 3);
  CHECK(found[0].find("unknown key \"dlp_profiles\" in safety; did you mean \"dlp_profile\"?") !=
        std::string::npos);
  CHECK(found[1].find("safety.dlp_dataset.max_delete_percent") != std::string::npos);
  CHECK(found[2].find("safety.dlp_dataset.allow_empty") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::config
