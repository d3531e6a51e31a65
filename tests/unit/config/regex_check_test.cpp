// Which regexes cfsync accepts for DLP entries, and how it says why not.
#include "config/regex_check.hpp"

#include <doctest/doctest.h>

namespace cfsync::config {
namespace {

TEST_CASE("regexes Cloudflare's engine reads") {
  for (std::string pattern : {"EMP-[0-9]{6}",
                              "(?i)secret",
                              "\\bfoo\\b",
                              "\\d{3}-\\d{2}-\\d{4}",
                              "[[:alpha:]]{1,9}",
                              "(?P<year>[0-9]{4})-(?P<month>[0-9]{2})",
                              "\\p{L}{2}",
                              "[]a]",
                              "[^]a]",
                              "a{1,3}?",
                              "x{2,5}",
                              "-----BEGIN (RSA|EC) PRIVATE KEY-----",
                              "[\\[\\]]",
                              "(?:ab){0,4}",
                              "\\p{Lu}{1,8}",
                              "\\x{263a}{3}",
                              "a?",
                              "[*+]",
                              "\\*\\+",
                              "x\\{3,\\}",
                              "(?x) a{1,2} # a comment with + and *\n b"}) {
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
  CHECK_FALSE(regex_problem("[a+]{1,4}"));
}

TEST_CASE("repetition without an upper bound is refused, with the bounded form to write") {
  struct Row {
    const char* pattern;
    const char* problem;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"[0-9]+",
            "can match text of any length (the + at character 6); Cloudflare refuses such a regex: "
            "bound the repetition with {1,N}, N the most you need (for example [0-9]{1,20} "
            "instead of [0-9]+)"},
           {"EMP-\\d*",
            "can match text of any length (the * at character 7); Cloudflare refuses such a regex: "
            "bound the repetition with {0,N}, N the most you need (for example [0-9]{0,20} "
            "instead of [0-9]*)"},
           {"x{3,}",
            "can match text of any length (the {3,} at character 2); Cloudflare refuses such a "
            "regex: bound the repetition with {3,N}, N the most you need (for example "
            "[0-9]{3,20} instead of [0-9]{3,})"},
       }) {
    CAPTURE(row.pattern);
    CHECK(regex_problem(row.pattern) == std::string(row.problem));
  }
  // Lazy and grouped forms are unbounded too; the first one is named.
  CHECK(regex_problem("a+?").value_or("").find("the + at character 2") != std::string::npos);
  CHECK(regex_problem("(?:ab)*").value_or("").find("the * at character 7") != std::string::npos);
  CHECK(regex_problem("[a-z]{1,4}(x|y)+").value_or("").find("character 16") != std::string::npos);
  // In extended mode a comment is not part of the pattern, but what follows it is.
  CHECK(regex_problem("(?x) a # comment\n b+").value_or("").find("the + at") != std::string::npos);
  // The pattern itself is never quoted.
  CHECK(regex_problem("HUNTER2-SECRET+").value_or("").find("HUNTER2") == std::string::npos);
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
