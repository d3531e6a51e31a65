// Which regexes cfsync accepts for DLP entries, and how it says why not.
#include "config/regex_check.hpp"

#include <doctest/doctest.h>

namespace cfsync::config {
namespace {

TEST_CASE("regexes Cloudflare's engine reads") {
  for (std::string pattern :
       {"EMP-[0-9]{6}", "(?i)secret", "\\bfoo\\b", "\\d{3}-\\d{2}-\\d{4}", "[[:alpha:]]+",
        "(?P<year>[0-9]{4})-(?P<month>[0-9]{2})", "\\p{L}+", "[]a]", "[^]a]", "a+?", "x{2,5}",
        "-----BEGIN (RSA|EC) PRIVATE KEY-----", "[\\[\\]]", "(?:ab)+", "\\p{Lu}+", "\\x{263a}+"}) {
    CAPTURE(pattern);
    CHECK_FALSE(regex_problem(pattern));
  }
}

TEST_CASE("constructs RE2-style engines lack, named with their position") {
  struct Row {
    const char* pattern;
    const char* problem;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"(?=a)b",
            "uses look-around, which Cloudflare's regex engine does not support (at character 1)"},
           {"a(?!b)",
            "uses look-around, which Cloudflare's regex engine does not support (at character 2)"},
           {"(?<=a)b",
            "uses look-around, which Cloudflare's regex engine does not support (at character 1)"},
           {"(?<!a)b",
            "uses look-around, which Cloudflare's regex engine does not support (at character 1)"},
           {"(a)\\1",
            "uses a back-reference, which Cloudflare's regex engine does not support (at character "
            "4)"},
           {"(?<n>a)\\k<n>",
            "uses a back-reference, which Cloudflare's regex engine does not support (at character "
            "8)"},
           {"(?>ab)",
            "uses an atomic group, which Cloudflare's regex engine does not support (at character "
            "1)"},
           {"a++",
            "uses a possessive quantifier, which Cloudflare's regex engine does not support (at "
            "character 3)"},
           {"(?R)",
            "uses recursion, a conditional or a named back-reference, which Cloudflare's regex "
            "engine does not support (at character 1)"},
       }) {
    CAPTURE(row.pattern);
    CHECK(regex_problem(row.pattern) == std::string(row.problem));
  }
}

TEST_CASE("look-alikes inside classes and escapes are fine") {
  CHECK_FALSE(regex_problem("[(?=]"));
  CHECK_FALSE(regex_problem("\\(\\?=x\\)"));
  CHECK_FALSE(regex_problem("[a+]+"));
}

TEST_CASE("regexes that do not compile, described without quoting them") {
  const std::string secretish = "ACME-INTERNAL-[0-9";
  const auto problem = regex_problem(secretish);
  REQUIRE(problem);
  CHECK(*problem ==
        "has a character class that is not closed (a [ without its ]) (at character 15)");

  const auto range = regex_problem("SECRET{3,1}");
  REQUIRE(range);
  CHECK(range->starts_with("does not compile: "));
  CHECK(range->find("SECRET") == std::string::npos);

  CHECK(regex_problem("(unclosed").value_or("").starts_with("does not compile: "));
  CHECK(regex_problem("") == std::string("is empty"));
}

TEST_CASE("positions are counted in the pattern as typed") {
  // (?P<n> is read as (?<n>; the error after it is still reported where the user typed it.
  const auto problem = regex_problem("(?P<n>a){3,1}");
  REQUIRE(problem);
  CHECK(problem->ends_with("(at character 12)"));  // the "1" of {3,1}
}

}  // namespace
}  // namespace cfsync::config
