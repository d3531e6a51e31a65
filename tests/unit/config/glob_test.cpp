// include/exclude patterns over paths relative to a documents directory.
#include "config/glob.hpp"

#include <doctest/doctest.h>

namespace cfsync::config {
namespace {

TEST_CASE("globs match whole relative paths") {
  struct Row {
    const char* pattern;
    const char* path;
    bool matches;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"*.md", "a.md", true},
           {"*.md", "docs/a.md", false},  // * stays within a segment
           {"**/*.md", "a.md", true},     // ** is zero or more segments
           {"**/*.md", "docs/guides/a.md", true},
           {"**/*.md", "docs/a.pdf", false},
           {"drafts/**", "drafts/x.md", true},
           {"drafts/**", "drafts/deep/x.md", true},
           {"drafts/**", "published/x.md", false},
           {"docs/**/setup.md", "docs/setup.md", true},
           {"docs/**/setup.md", "docs/a/b/setup.md", true},
           {"?.md", "a.md", true},
           {"?.md", "ab.md", false},
           {"[ab].md", "b.md", true},
           {"[!ab].md", "b.md", false},
           {"[a-c]*.pdf", "big.pdf", true},
           {"\\*.md", "*.md", true},
           {"\\*.md", "a.md", false},
           {"a*b*c", "aXXbYYc", true},
           {"a*b*c", "aXXbYY", false},
       }) {
    CAPTURE(row.pattern);
    CAPTURE(row.path);
    CHECK(glob_matches(row.pattern, row.path) == row.matches);
  }
}

TEST_CASE("patterns that cannot match anything sensible are refused") {
  CHECK(glob_problem("[abc") == std::string("has a [ without its ] (at character 1)"));
  CHECK(glob_problem("x\\") == std::string("ends with a lone \\"));
  CHECK(glob_problem("") == std::string("is empty"));
  CHECK_FALSE(glob_problem("**/*.{md}"));
}

}  // namespace
}  // namespace cfsync::config
