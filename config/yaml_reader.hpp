// Internal to config/: typed reads of yaml-cpp nodes that report every problem with its
// file:line:column instead of throwing. This header exposes yaml-cpp and is not included
// outside this folder.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::config {

// A position in the configuration: the how-manieth file read, 0-based line and column, and
// how messages name it ("cfsync.yaml:4:5").
struct Place {
  std::size_t file = 0;
  int line = 0;
  int column = 0;
  std::string text;
};

// Collects error lines ("file:line:col: message") so that all of them are shown at once, in the
// order of the files and of the lines within them (not in the order they were found).
class Diagnostics {
 public:
  void add(const Place& place, const std::string& message);
  // A problem with no place in a file (an environment variable): listed last.
  void add(std::string text);

  [[nodiscard]] bool empty() const { return m_entries.empty(); }
  [[nodiscard]] std::vector<std::string> lines() const;

 private:
  std::vector<Place> m_entries;  // text holds the whole line
};

struct SourceFile {
  std::string display;         // the path as the user named it, for messages
  std::filesystem::path path;  // the path opened
  std::size_t index = 0;       // its place in the order files are read
};

// Line 1, column 1 of a file.
[[nodiscard]] Place start_of(const SourceFile& file);

class Reader {
 public:
  Reader(const SourceFile& file, Diagnostics& diagnostics)
      : m_file(file), m_diagnostics(diagnostics) {}

  [[nodiscard]] const SourceFile& file() const { return m_file; }
  [[nodiscard]] Place place(const YAML::Node& node) const;
  void error(const YAML::Node& at, const std::string& message);

  // A mapping whose keys are all in `keys`; reports unknown (with a suggestion) and repeated
  // keys. A null node counts as an empty mapping. False when the node is not a mapping.
  bool mapping(const YAML::Node& node, std::string_view path,
               std::span<const std::string_view> keys);

  // YAML 1.2 booleans only (true/false, any case): "yes", "on" and quoted "true" are errors.
  std::optional<bool> boolean(const YAML::Node& node, std::string_view path);
  // A scalar; plain numbers and booleans are accepted as their text.
  std::optional<std::string> string(const YAML::Node& node, std::string_view path);
  // A plain integer scalar from `min` to `max`.
  std::optional<int> integer(const YAML::Node& node, std::string_view path, int min, int max);
  // A sequence (null counts as empty). False, reported, when the node is not one.
  bool sequence(const YAML::Node& node, std::string_view path);
  // A uuid ("56a8c060-01bb-4f89-ba1e-3ad42770a342"), returned in lower case.
  std::optional<std::string> uuid(const YAML::Node& node, std::string_view path);
  // A scalar that must be one of `names`; returns its index.
  std::optional<std::size_t> one_of(const YAML::Node& node, std::string_view path,
                                    std::span<const std::string_view> names);

 private:
  const SourceFile& m_file;
  Diagnostics& m_diagnostics;
};

// "dlp.profiles" + 3 -> "dlp.profiles[3]"; with a name: "dlp.profiles[\"Employee IDs\"]".
[[nodiscard]] std::string item_path(std::string_view list, std::size_t index,
                                    const YAML::Node& item, std::string_view name_key = "name");

// The key node of `name` in `mapping` (for locations), or an undefined node.
[[nodiscard]] YAML::Node key_node(const YAML::Node& mapping, std::string_view name);

// "dlp.settings" + "ocr" -> "dlp.settings.ocr"; "" + "dlp" -> "dlp".
[[nodiscard]] std::string join_path(std::string_view parent, std::string_view key);

// How a node is named in an error message: a short quoted scalar, "a mapping", "null"...
[[nodiscard]] std::string describe(const YAML::Node& node);

}  // namespace cfsync::config
