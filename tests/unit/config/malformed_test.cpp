// Files a conforming YAML 1.2 parser rejects are rejected, each with its place, and nothing of
// them is read. The rows follow the error categories of the YAML test suite
// (github.com/yaml/yaml-test-suite, the cases marked `error`), plus the yaml-cpp 0.7 bugs that let
// such files load (an unterminated quote, a top-level comma, a trailing scalar).
#include "config/load.hpp"

#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

struct Row {
  const char* what;
  std::string yaml;
  std::string problem;  // the one line reported
};

std::vector<Row> malformed() {
  const std::string a = k_account_line;
  const std::string profile = a +
                              "dlp:\n  profiles:\n    - name: Employees\n      entries:\n"
                              "        - name: ids\n";
  return {
      // Quoted scalars.
      {"an unterminated single quote at the end", profile + "          regex: 'EMP-[0-9]{6}\n",
       "7:19: invalid YAML: single-quoted scalar without closing quote"},
      {"an unterminated double quote at the end", profile + "          regex: \"EMP-[0-9]{6}\n",
       "7:19: invalid YAML: double-quoted scalar without closing quote"},
      {"an unterminated quote in the middle",
       "prune:\n  profiles: true\n" + profile +
           "          regex: 'A-[0-9]{2}\n"
           "    - name: B\n      description: 'b'\n",
       "9:18: invalid YAML: wrongly indented single-quoted scalar"},
      {"an invalid escape", a + "x: \"ful\\l\"\n",
       "2:8: invalid YAML: invalid escape 'l' in double-quoted string"},
      {"content after a quoted scalar", a + "x: \"a\" b\n",
       "2:8: invalid YAML: invalid trailing content after double-quoted scalar"},
      {"a comment glued to a quoted scalar", a + "x: \"a\"#c\n",
       "2:7: invalid YAML: invalid comment without whitespace after double-quoted scalar"},
      {"a document end inside a quoted scalar", a + "x: \"a\n...\n\"\n",
       "3:1: invalid YAML: invalid document-end marker in double-quoted scalar"},
      // Flow collections.
      {"a top-level comma", ",\n", "1:1: invalid YAML: did not find expected node content"},
      {"a flow sequence, then more", "[a, b], c\n", "1:7: invalid YAML: missing document start"},
      {"a flow sequence left open", a + "dlp:\n  profiles: [\n",
       "4:1: invalid YAML: flow sequence without a closing bracket"},
      {"a flow mapping left open", a + "dlp: {settings: {ocr: true}\n",
       "3:1: invalid YAML: missing comma in flow mapping"},
      {"a flow sequence closed twice", a + "x: [a]]\n",
       "2:7: invalid YAML: flow sequence with invalid extra closing bracket"},
      {"a missing comma in a flow mapping", a + "x: {a: 1 b: 2}\n",
       "2:11: invalid YAML: missing comma in flow mapping"},
      {"a document marker inside a flow sequence", a + "x: [a,\n---\n]\n",
       "3:1: invalid YAML: invalid document start indicator in a flow sequence"},
      // Block structure and indentation.
      {"a trailing scalar after a mapping", a + "dlp:\n  settings:\n    ocr: true\n  oops\n",
       "5:3: invalid YAML: invalid value after mapping"},
      {"a trailing scalar after a sequence", "- a\nb\n",
       "2:1: invalid YAML: invalid scalar at the end of block sequence"},
      {"two mappings on one line", a + "dlp: settings: ocr\n",
       "2:14: invalid YAML: invalid nested block mapping on the same line"},
      {"a key indented less than its siblings", a + "dlp:\n    settings:\n  profiles: []\n",
       "4:3: invalid YAML: invalid indentation in mapping"},
      {"a tab as indentation", a + "dlp:\n\tsettings: {}\n",
       "3:1: invalid YAML: tab character may not be used as indentation"},
      {"a sequence on the line of its key", a + "dlp: - a\n",
       "2:6: invalid YAML: block sequence on the same line as a mapping key"},
      {"a multi-line plain key", a + "dlp\n  settings: {}\n",
       "2:1: invalid YAML: invalid multiline plain key"},
      {"a block scalar line indented less", a + "x: |\n    a\n  b\n",
       "4:3: invalid YAML: invalid value after mapping"},
      {"a block scalar indentation indicator of 0", a + "x: |0\n  a\n",
       "2:1: invalid YAML: syntax error"},
      // Directives, anchors, aliases and tags.
      {"a directive without a document", "%YAML 1.2\n",
       "2:1: invalid YAML: stream with directives without content"},
      {"two %YAML directives", "%YAML 1.2\n%YAML 1.2\n---\n" + a,
       "2:7: invalid YAML: duplicate version directive"},
      {"an anchor on an alias", a + "x: &a 1\ny: &b *a\n", "3:8: invalid YAML: unexpected alias"},
      {"an alias to no anchor", a + "dlp: *nothing\n",
       "2:6: invalid YAML: the alias *nothing names no anchor before it"},
      {"an alias inside what it repeats", a + "x: &a [*a]\n",
       "2:8: invalid YAML: the alias *a is inside the value it repeats"},
      {"an application tag", a + "dlp: !include other.yaml\n",
       "2:6: invalid YAML: unsupported tag \"!include\"; cfsync reads each value by its field: "
       "quote text, and leave numbers and booleans plain"},
      {"a core tag cfsync does not read", a + "dlp:\n  settings:\n    ocr: !!bool true\n",
       "4:10: invalid YAML: unsupported tag \"tag:yaml.org,2002:bool\"; cfsync reads each value by "
       "its field: quote text, and leave numbers and booleans plain"},
      // Characters.
      {"invalid UTF-8", a + "x: caf\xc3\n",
       "2:7: invalid YAML: not valid UTF-8; cfsync reads configuration files as UTF-8"},
      {"an overlong UTF-8 form", a + "x: \xc0\xaf\n",
       "2:4: invalid YAML: not valid UTF-8; cfsync reads configuration files as UTF-8"},
      {"a control character", a + "x: a\x07z\n",
       "2:5: invalid YAML: the control character U+0007 is not allowed in YAML; write it as an "
       "escape in a double-quoted string"},
      {"UTF-16",
       std::string("\xff\xfe"
                   "a\0:\0 \0b\0\n\0",
                   12),
       "1:1: invalid YAML: not valid UTF-8; cfsync reads configuration files as UTF-8"},
      // Bounds.
      {"nesting deeper than 64", a + "x: " + std::string(70, '[') + std::string(70, ']') + "\n",
       "2:67: invalid YAML: nested more than 64 levels deep"},
  };
}

TEST_CASE("malformed YAML is rejected with its place, and nothing of the file is read") {
  const std::vector<Row> rows = malformed();
  CHECK(rows.size() >= 25);
  for (const Row& row : rows) {
    CAPTURE(std::string(row.what));
    TempDir dir;
    const auto config = load_file(dir, row.yaml);
    REQUIRE_FALSE(config);
    CHECK(config.error().kind() == ErrorKind::config);
    // One problem: the file is not read, so no "account_id is not set" follows.
    CHECK(problems(config, dir) == std::vector<std::string>{"cfsync.yaml:" + row.problem});
    CHECK(outline(config, dir) ==
          std::vector<std::string>{"cfsync.yaml:" + row.problem.substr(0, row.problem.find(": ")) +
                                   ": invalid YAML"});
  }
}

TEST_CASE("a file past the size limit is refused before it is read") {
  TempDir dir;
  const std::string yaml = k_account_line + "# " + std::string(200, 'x') + "\n";
  const auto file = dir.write("cfsync.yaml", yaml);
  const auto config = load({.path = file, .max_file_bytes = 100});
  CHECK(problems(config, dir) ==
        std::vector<std::string>{"cfsync.yaml:1:1: is larger than 100 bytes (" +
                                 std::to_string(yaml.size()) + " bytes), the limit for this file"});
  CHECK(outline(config, dir) == std::vector<std::string>{"cfsync.yaml:1:1: too large"});
}

TEST_CASE("aliases count as the values they repeat (billion laughs)") {
  TempDir dir;
  std::string yaml = k_account_line + "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char name = 'b'; name <= 'j'; ++name) {
    const std::string previous(1, static_cast<char>(name - 1));
    yaml += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) yaml += (i > 0 ? ", *" : "*") + previous;
    yaml += "]\n";
  }
  const auto config = load({.path = dir.write("cfsync.yaml", yaml), .max_values = 10'000});
  const std::vector<std::string> lines = problems(config, dir);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("cfsync.yaml:5:"));  // d: the first past 10 000 values
  CHECK(
      lines[0].ends_with(": invalid YAML: more than 10000 values (aliases counted as what they "
                         "repeat); cfsync refuses a configuration this large"));
}

TEST_CASE("the first 100 errors are shown, then how many more") {
  TempDir dir;
  std::string yaml = k_account_line + "dlp:\n  settings:\n";
  for (int i = 0; i < 150; ++i) yaml += "    unknown_" + std::to_string(i) + ": 1\n";
  const auto config = load_file(dir, yaml);
  REQUIRE_FALSE(config);
  CHECK(config.error().message() == "invalid configuration: 150 errors");
  const std::vector<std::string> lines = problems(config, dir);
  REQUIRE(lines.size() == 101);
  CHECK(lines[0].starts_with("cfsync.yaml:4:5: unknown key \"unknown_0\""));
  CHECK(lines[99].starts_with("cfsync.yaml:103:5: unknown key \"unknown_99\""));
  CHECK(lines[100] == "... and 50 more error(s)");
  REQUIRE(outline(config, dir).size() == 101);
  CHECK(outline(config, dir)[0] == "cfsync.yaml:4:5: unknown key");
}

TEST_CASE("a BOM, CRLF line ends, a %YAML 1.2 directive and document markers are YAML") {
  TempDir dir;
  const auto config = load_file(dir, "\xef\xbb\xbf%YAML 1.2\r\n---\r\n" + k_account_line +
                                         "dlp:\r\n  settings: {}\r\n...\r\n");
  REQUIRE_MESSAGE(config, (config ? "" : config.error().describe()));
  CHECK(config->desired.account_id == k_account);
}

}  // namespace
}  // namespace cfsync::config
