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

std::string shown_scalar(std::string_view text) {
  constexpr std::size_t k_max_shown = 40;
  std::string out = "\"";
  out += text.substr(0, k_max_shown);
  if (text.size() > k_max_shown) out += "...";
  out += '"';
  return out;
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

// yaml-cpp tags plain (unquoted) scalars "?" and quoted ones "!".
bool is_plain(const YAML::Node& node) { return node.Tag() == "?"; }

}  // namespace

void Diagnostics::add(const Place& place, const std::string& message) {
  m_entries.push_back({place.file, place.line, place.column, place.text + ": " + message});
}

void Diagnostics::add(std::string text) {
  m_entries.push_back({std::numeric_limits<std::size_t>::max(), 0, 0, std::move(text)});
}

std::vector<std::string> Diagnostics::lines() const {
  std::vector<Place> sorted = m_entries;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Place& a, const Place& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  std::vector<std::string> out;
  for (Place& entry : sorted) out.push_back(std::move(entry.text));
  return out;
}

std::string item_path(std::string_view list, std::size_t index, const YAML::Node& item,
                      std::string_view name_key) {
  if (item.IsMap()) {
    const YAML::Node name = item[std::string(name_key)];
    if (name && name.IsScalar() && !name.Scalar().empty()) {
      return std::string(list) + "[\"" + name.Scalar() + "\"]";
    }
  }
  return std::string(list) + "[" + std::to_string(index) + "]";
}

YAML::Node key_node(const YAML::Node& mapping, std::string_view name) {
  if (!mapping.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : mapping) {
    if (entry.first.IsScalar() && entry.first.Scalar() == name) return entry.first;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return shown_scalar(node.Scalar());
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

Place Reader::place(const YAML::Node& node) const {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) mark = YAML::Mark();  // nodes made by yaml-cpp itself: the file's start
  // yaml-cpp counts from 0; editors count from 1.
  return {
      m_file.index, mark.line, mark.column,
      m_file.display + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1)};
}

Place start_of(const SourceFile& file) { return {file.index, 0, 0, file.display + ":1:1"}; }

void Reader::error(const YAML::Node& at, const std::string& message) {
  m_diagnostics.add(place(at), message);
}

bool Reader::mapping(const YAML::Node& node, std::string_view path,
                     std::span<const std::string_view> keys) {
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    const std::string what = path.empty() ? std::string("the top level") : std::string(path);
    error(node, what + ": expected a mapping, got " + describe(node));
    return false;
  }
  std::map<std::string, std::string> seen;  // key -> where first seen
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(key, "expected a key name " + scope_of(path) + ", got " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (auto [it, inserted] = seen.emplace(name, place(key).text); !inserted) {
      error(key,
            "duplicate key \"" + name + "\" " + scope_of(path) + " (first at " + it->second + ")");
      continue;
    }
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
    std::string message = "unknown key \"" + name + "\" " + scope_of(path);
    if (auto suggestion = closest_match(name, keys)) {
      message += "; did you mean \"" + std::string(*suggestion) + "\"?";
    } else {
      message += "; expected one of: " + listed(keys);
    }
    error(key, message);
  }
  return true;
}

std::optional<bool> Reader::boolean(const YAML::Node& node, std::string_view path) {
  if (node.IsScalar() && is_plain(node)) {
    std::string text = node.Scalar();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text == "true") return true;
    if (text == "false") return false;
  }
  error(node, std::string(path) + ": expected a boolean (true or false), got " + describe(node));
  return std::nullopt;
}

std::optional<std::string> Reader::string(const YAML::Node& node, std::string_view path) {
  if (node.IsScalar()) return node.Scalar();
  error(node, std::string(path) + ": expected a string, got " + describe(node));
  return std::nullopt;
}

std::optional<int> Reader::integer(const YAML::Node& node, std::string_view path, int min,
                                   int max) {
  const std::string expected = std::string(path) + ": expected an integer from " +
                               std::to_string(min) + " to " + std::to_string(max) + ", got ";
  if (!node.IsScalar() || !is_plain(node)) {
    error(node, expected + describe(node));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    error(node, expected + describe(node));
    return std::nullopt;
  }
  return value;
}

bool Reader::sequence(const YAML::Node& node, std::string_view path) {
  if (node.IsNull() || node.IsSequence()) return true;
  error(node, std::string(path) + ": expected a sequence, got " + describe(node));
  return false;
}

std::optional<std::string> Reader::uuid(const YAML::Node& node, std::string_view path) {
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

std::optional<std::size_t> Reader::one_of(const YAML::Node& node, std::string_view path,
                                          std::span<const std::string_view> names) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == text) return i;
    }
  }
  std::string message =
      std::string(path) + ": expected one of " + listed(names) + ", got " + describe(node);
  if (node.IsScalar()) {
    if (auto suggestion = closest_match(node.Scalar(), names)) {
      message += "; did you mean \"" + std::string(*suggestion) + "\"?";
    }
  }
  error(node, message);
  return std::nullopt;
}

}  // namespace cfsync::config
