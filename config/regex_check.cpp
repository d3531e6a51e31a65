#include "config/regex_check.hpp"

#include <boost/regex.hpp>

#include <cctype>
#include <vector>

namespace cfsync::config {

namespace {

std::string at(std::size_t index) { return " (at character " + std::to_string(index + 1) + ")"; }

// Index just past a character class that starts at `open` ('['), or npos when it is not closed.
std::size_t class_end(std::string_view pattern, std::size_t open) {
  std::size_t i = open + 1;
  if (i < pattern.size() && pattern[i] == '^') ++i;
  if (i < pattern.size() && pattern[i] == ']') ++i;  // a leading ']' is a literal
  for (; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      const std::size_t close = pattern.find(":]", i + 2);
      if (close != std::string_view::npos) i = close + 1;
    } else if (pattern[i] == ']') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Perl constructs that RE2-style engines do not have.
std::optional<std::string> unsupported(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (c == '\\') {
      if ((next >= '1' && next <= '9') || next == 'k' || next == 'g') {
        return "uses a back-reference, which Cloudflare's regex engine does not support" + at(i);
      }
      // \p{L}, \x{263a}: the braces belong to the escape, not to a repetition.
      const bool braced = (next == 'p' || next == 'P' || next == 'x') && i + 2 < pattern.size() &&
                          pattern[i + 2] == '{';
      const std::size_t close = braced ? pattern.find('}', i + 3) : std::string_view::npos;
      i = close != std::string_view::npos ? close : i + 1;
      continue;
    }
    if (c == '[') {
      const std::size_t end = class_end(pattern, i);
      if (end == std::string_view::npos) {
        return "has a character class that is not closed (a [ without its ])" + at(i);
      }
      i = end - 1;
      continue;
    }
    if (c == '(' && next == '?') {
      const std::string_view rest = pattern.substr(i + 2);
      if (rest.starts_with("=") || rest.starts_with("!") || rest.starts_with("<=") ||
          rest.starts_with("<!")) {
        return "uses look-around, which Cloudflare's regex engine does not support" + at(i);
      }
      if (rest.starts_with(">")) {
        return "uses an atomic group, which Cloudflare's regex engine does not support" + at(i);
      }
      if (rest.starts_with("P=") || rest.starts_with("P>") || rest.starts_with("R") ||
          rest.starts_with("(") ||
          (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0])))) {
        return "uses recursion, a conditional or a named back-reference, which Cloudflare's regex "
               "engine does not support" +
               at(i);
      }
      continue;
    }
    if ((c == '*' || c == '+' || c == '?' || c == '}') && next == '+') {
      return "uses a possessive quantifier, which Cloudflare's regex engine does not support" +
             at(i + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> regex_problem(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  if (auto problem = unsupported(pattern)) return problem;

  std::string perl(pattern);
  // \p{Lu}, \x{263a}: Unicode classes and code points that Boost.Regex cannot compile without
  // ICU. Each is an atom, so it is checked as one: a group of the same length, which keeps
  // every position as typed.
  for (std::size_t i = 0; i + 1 < perl.size(); ++i) {
    if (perl[i] != '\\') continue;
    const char kind = perl[i + 1];
    const bool braced =
        (kind == 'p' || kind == 'P' || kind == 'x') && i + 2 < perl.size() && perl[i + 2] == '{';
    const std::size_t close = braced ? perl.find('}', i + 3) : std::string::npos;
    if (close == std::string::npos || close - i + 1 < 5) {
      ++i;  // an ordinary escape: skip the escaped character
      continue;
    }
    const std::size_t length = close - i + 1;
    perl.replace(i, length, "(?:" + std::string(length - 4, '.') + ")");
    i = close;
  }
  // Boost spells Python-style named groups (?<name>...), as Rust also accepts.
  std::vector<std::size_t> erased;  // where a 'P' was taken out, to report positions as typed
  for (std::size_t group = perl.find("(?P<"); group != std::string::npos;
       group = perl.find("(?P<", group)) {
    perl.erase(group + 2, 1);
    erased.push_back(group + 2);
  }
  try {
    const boost::regex compiled(perl, boost::regex::perl);
  } catch (const boost::regex_error& e) {
    // Boost's message quotes the pattern after this sentence; keep only the sentence.
    std::string message = e.what();
    message = message.substr(0, message.find("  The error occurred"));
    while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.pop_back();
    std::size_t position = static_cast<std::size_t>(e.position());
    for (std::size_t index : erased) {
      if (index <= position) ++position;
    }
    return "does not compile: " + message + at(position);
  }
  return std::nullopt;
}

}  // namespace cfsync::config
