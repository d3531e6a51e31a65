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

// Cloudflare refuses a DLP regex that can match text of unbounded length (the documentation of
// POST /dlp/patterns/validate: "rejected if it uses * or +. Bound the maximum number of
// characters that can be matched using a range, e.g. {1,100}"). `from` is the bounded form's
// lower bound. The example uses a stand-in atom, never the user's pattern.
std::string unbounded(std::string_view quantifier, std::string_view from, std::size_t index) {
  const std::string q(quantifier);
  const std::string f(from);
  return "can match text of any length (the " + q + " at character " + std::to_string(index + 1) +
         "); Cloudflare refuses such a regex: bound the repetition with {" + f +
         ",N}, N the most you need (for example [0-9]{" + f + ",20} instead of [0-9]" + q + ")";
}

// `{n,}` starting at `open`: the digits of n, or nullopt when it is not that form.
std::optional<std::string_view> open_ended(std::string_view pattern, std::size_t open) {
  std::size_t i = open + 1;
  while (i < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[i]))) ++i;
  if (i == open + 1 || i + 1 >= pattern.size() || pattern[i] != ',' || pattern[i + 1] != '}') {
    return std::nullopt;
  }
  return pattern.substr(open + 1, i - open - 1);
}

// Whether the flags of a group starting at `open` ("(?ix)", "(?x:") turn on extended mode, where
// white space is ignored and '#' starts a comment.
bool sets_extended(std::string_view pattern, std::size_t open) {
  for (std::size_t i = open + 2; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == ')' || c == ':' || c == '-') return false;
    if (c == 'x') return true;
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return false;
}

// Perl constructs that RE2-style engines do not have, and repetition Cloudflare does not allow.
std::optional<std::string> unsupported(std::string_view pattern) {
  bool extended = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (extended && c == '#') {  // a comment, to the end of the line
      const std::size_t end = pattern.find('\n', i);
      if (end == std::string_view::npos) break;
      i = end;
      continue;
    }
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
      extended = extended || sets_extended(pattern, i);
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
    if (c == '*') return unbounded("*", "0", i);
    if (c == '+') return unbounded("+", "1", i);
    if (c == '{') {
      if (auto from = open_ended(pattern, i)) {
        return unbounded("{" + std::string(*from) + ",}", *from, i);
      }
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
