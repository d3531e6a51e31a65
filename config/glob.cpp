#include "config/glob.hpp"

#include <vector>

namespace cfsync::config {

namespace {

std::vector<std::string_view> segments(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    out.push_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// One character against a [...] class starting at pattern[i]; advances i past the class.
bool class_matches(std::string_view pattern, std::size_t& i, char c) {
  std::size_t j = i + 1;
  const bool negated = j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^');
  if (negated) ++j;
  bool matched = false;
  bool first = true;
  for (; j < pattern.size() && (first || pattern[j] != ']'); ++j, first = false) {
    char low = pattern[j];
    if (low == '\\' && j + 1 < pattern.size()) low = pattern[++j];
    char high = low;
    if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
      high = pattern[j + 2];
      j += 2;
    }
    if (c >= low && c <= high) matched = true;
  }
  i = j;  // at the closing ']'
  return matched != negated;
}

// Wildcards within one segment (no '/').
bool segment_matches(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // where the last '*' was, to backtrack
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
      continue;
    }
    if (p < pattern.size()) {
      std::size_t next = p;
      bool ok = false;
      if (pattern[p] == '?') {
        ok = true;
      } else if (pattern[p] == '[') {
        ok = class_matches(pattern, next, text[t]);
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        ok = pattern[++next] == text[t];
      } else {
        ok = pattern[p] == text[t];
      }
      if (ok) {
        p = next + 1;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches_from(const std::vector<std::string_view>& pattern, std::size_t p,
                  const std::vector<std::string_view>& path, std::size_t s) {
  if (p == pattern.size()) return s == path.size();
  if (pattern[p] == "**") {
    for (std::size_t k = s; k <= path.size(); ++k) {
      if (matches_from(pattern, p + 1, path, k)) return true;
    }
    return false;
  }
  return s < path.size() && segment_matches(pattern[p], path[s]) &&
         matches_from(pattern, p + 1, path, s + 1);
}

}  // namespace

std::optional<std::string> glob_problem(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 == pattern.size()) return "ends with a lone \\";
      ++i;
    } else if (pattern[i] == '[') {
      std::size_t j = i + 1;
      if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']' && pattern[j] != '/') ++j;
      if (j >= pattern.size() || pattern[j] != ']') {
        return "has a [ without its ] (at character " + std::to_string(i + 1) + ")";
      }
      i = j;
    }
  }
  return std::nullopt;
}

bool glob_matches(std::string_view pattern, std::string_view path) {
  return matches_from(segments(pattern), 0, segments(path), 0);
}

}  // namespace cfsync::config
