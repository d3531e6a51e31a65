#include "config/yaml_reader.hpp"

#include "config/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <tuple>

namespace cfsync::config {

namespace {

std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string length_of(std::string_view text) {
  return "a string of " + std::to_string(characters(text)) + " character(s)";
}

// A value is repeated only when it is short: a typo in a name or a switch is shown, a key or a
// list pasted into the wrong field is not (it would reach logs and terminals).
std::string shown_scalar(std::string_view text) {
  constexpr std::size_t k_max_shown = 40;
  if (characters(text) > k_max_shown) return length_of(text);
  return "\"" + std::string(text) + "\"";
}

std::string listed(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string scope_of(std::string_view path) {
  return path.empty() ? std::string("at the top level") : "in " + std::string(path);
}

}  // namespace

std::string_view to_string(Problem problem) {
  switch (problem) {
    case Problem::invalid_yaml:
      return "invalid YAML";
    case Problem::unknown_key:
      return "unknown key";
    case Problem::declared_twice:
      return "declared twice";
    case Problem::wrong_type:
      return "wrong type";
    case Problem::invalid_value:
      return "invalid value";
    case Problem::missing_value:
      return "missing value";
    case Problem::file:
      return "file problem";
    case Problem::too_large:
      return "too large";
  }
  return "invalid value";
}

void Diagnostics::add(const Place& place, const std::string& message, Problem problem) {
  if (m_count++ >= k_max_kept) return;
  m_entries.push_back(
      {{place.file, place.line, place.column, place.text + ": " + message}, place.text, problem});
}

void Diagnostics::add(std::string text, Problem problem) {
  if (m_count++ >= k_max_kept) return;
  m_entries.push_back(
      {{std::numeric_limits<std::size_t>::max(), 0, 0, std::move(text)}, "", problem});
}

std::vector<Diagnostics::Entry> Diagnostics::shown() const {
  std::vector<Entry> sorted = m_entries;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.place.file, a.place.line, a.place.column) <
           std::tie(b.place.file, b.place.line, b.place.column);
  });
  if (sorted.size() > k_max_shown) sorted.resize(k_max_shown);
  return sorted;
}

std::vector<std::string> Diagnostics::lines() const {
  std::vector<std::string> out;
  for (Entry& entry : shown()) out.push_back(std::move(entry.place.text));
  if (m_count > out.size()) {
    out.push_back("... and " + std::to_string(m_count - out.size()) + " more error(s)");
  }
  return out;
}

std::vector<std::string> Diagnostics::outline() const {
  std::vector<std::string> out;
  for (const Entry& entry : shown()) {
    const std::string kind(to_string(entry.problem));
    out.push_back(entry.where.empty() ? kind : entry.where + ": " + kind);
  }
  if (m_count > out.size()) {
    out.push_back("... and " + std::to_string(m_count - out.size()) + " more error(s)");
  }
  return out;
}

std::string item_path(std::string_view list, std::size_t index, const yaml::Node& item,
                      std::string_view name_key) {
  if (item.is_map()) {
    const yaml::Node name = item[std::string(name_key)];
    if (name && name.is_scalar() && !name.scalar().empty()) {
      return std::string(list) + "[\"" + name.scalar() + "\"]";
    }
  }
  return std::string(list) + "[" + std::to_string(index) + "]";
}

yaml::Node key_node(const yaml::Node& mapping, std::string_view name) {
  if (!mapping.is_map()) return yaml::Node();
  for (const auto& entry : mapping.entries()) {
    if (entry.first.is_scalar() && entry.first.scalar() == name) return entry.first;
  }
  return yaml::Node();
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string describe(const yaml::Node& node, Echo echo) {
  switch (node.type()) {
    case yaml::NodeType::null:
      return "null";
    case yaml::NodeType::sequence:
      return "a sequence";
    case yaml::NodeType::map:
      return "a mapping";
    case yaml::NodeType::scalar:
      if (echo == Echo::kind_only) return length_of(node.scalar());
      return shown_scalar(node.scalar());
    case yaml::NodeType::undefined:
      break;
  }
  return "nothing";
}

Place Reader::place(const yaml::Node& node) const {
  const yaml::Mark mark = node.mark();
  // The parser counts from 0; editors count from 1.
  return {
      m_file.index, mark.line, mark.column,
      m_file.display + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1)};
}

Place start_of(const SourceFile& file) { return {file.index, 0, 0, file.display + ":1:1"}; }

void Reader::error(const yaml::Node& at, const std::string& message, Problem problem) {
  m_diagnostics.add(place(at), message, problem);
}

bool Reader::mapping(const yaml::Node& node, std::string_view path,
                     std::span<const std::string_view> keys) {
  if (node.is_null()) return true;
  if (!node.is_map()) {
    const std::string what = path.empty() ? std::string("the top level") : std::string(path);
    error(node, what + ": expected a mapping, got " + describe(node), Problem::wrong_type);
    return false;
  }
  std::map<std::string, std::string> seen;  // key -> where first seen
  for (const auto& entry : node.entries()) {
    const yaml::Node& key = entry.first;
    if (!key.is_scalar()) {
      error(key, "expected a key name " + scope_of(path) + ", got " + describe(key),
            Problem::wrong_type);
      continue;
    }
    const std::string& name = key.scalar();
    if (auto [it, inserted] = seen.emplace(name, place(key).text); !inserted) {
      error(key,
            "duplicate key \"" + name + "\" " + scope_of(path) + " (first at " + it->second + ")",
            Problem::declared_twice);
      continue;
    }
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
    std::string message = "unknown key \"" + name + "\" " + scope_of(path);
    if (auto suggestion = closest_match(name, keys)) {
      message += "; did you mean \"" + std::string(*suggestion) + "\"?";
    } else {
      message += "; expected one of: " + listed(keys);
    }
    error(key, message, Problem::unknown_key);
  }
  return true;
}

std::optional<bool> Reader::boolean(const yaml::Node& node, std::string_view path) {
  if (node.is_scalar() && node.plain()) {
    std::string text = node.scalar();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text == "true") return true;
    if (text == "false") return false;
  }
  error(node, std::string(path) + ": expected a boolean (true or false), got " + describe(node),
        Problem::wrong_type);
  return std::nullopt;
}

std::optional<std::string> Reader::string(const yaml::Node& node, std::string_view path,
                                          Echo echo) {
  if (node.is_scalar()) return node.scalar();
  error(node, std::string(path) + ": expected a string, got " + describe(node, echo),
        Problem::wrong_type);
  return std::nullopt;
}

std::optional<int> Reader::integer(const yaml::Node& node, std::string_view path, int min,
                                   int max) {
  const std::string expected = std::string(path) + ": expected an integer from " +
                               std::to_string(min) + " to " + std::to_string(max) + ", got ";
  if (!node.is_scalar() || !node.plain()) {
    error(node, expected + describe(node), Problem::wrong_type);
    return std::nullopt;
  }
  const std::string& text = node.scalar();
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    error(node, expected + describe(node));
    return std::nullopt;
  }
  return value;
}

bool Reader::sequence(const yaml::Node& node, std::string_view path, Echo echo) {
  if (node.is_null() || node.is_sequence()) return true;
  error(node, std::string(path) + ": expected a sequence, got " + describe(node, echo),
        Problem::wrong_type);
  return false;
}

std::optional<std::string> Reader::uuid(const yaml::Node& node, std::string_view path) {
  auto text = string(node, path);
  if (!text) return std::nullopt;
  std::string id = *text;
  bool valid = id.size() == 36;
  for (std::size_t i = 0; valid && i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    id[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(id[i])));
    valid = dash ? id[i] == '-' : std::isxdigit(static_cast<unsigned char>(id[i])) != 0;
  }
  if (!valid) {
    error(node,
          std::string(path) + ": expected a uuid (8-4-4-4-12 hex digits), got " + describe(node));
    return std::nullopt;
  }
  return id;
}

std::optional<std::size_t> Reader::one_of(const yaml::Node& node, std::string_view path,
                                          std::span<const std::string_view> names) {
  if (node.is_scalar()) {
    const std::string& text = node.scalar();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text) return i;
    }
  }
  std::string message =
      std::string(path) + ": expected one of " + listed(names) + ", got " + describe(node);
  if (node.is_scalar()) {
    if (auto suggestion = closest_match(node.scalar(), names)) {
      message += "; did you mean \"" + std::string(*suggestion) + "\"?";
    }
  }
  error(node, message);
  return std::nullopt;
}

}  // namespace cfsync::config
