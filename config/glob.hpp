// Glob patterns over '/'-separated relative paths, as in `include: ["**/*.md"]`.
//
//   *       any run of characters within one path segment
//   ?       one character other than '/'
//   [abc]   one character of the set; [a-z] ranges; [!abc] or [^abc] negates
//   **      as a whole segment: zero or more segments ("**/*.md", "drafts/**")
//   \x      the character x itself
//
// A pattern matches the whole path: "*.md" matches "a.md" but not "docs/a.md".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cfsync::config {

// What is wrong with a pattern (an unclosed '[', a trailing '\'), if anything.
[[nodiscard]] std::optional<std::string> glob_problem(std::string_view pattern);

[[nodiscard]] bool glob_matches(std::string_view pattern, std::string_view path);

}  // namespace cfsync::config
