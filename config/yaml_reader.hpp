// Internal to config/: typed reads of YAML nodes (yaml_tree) that report every problem with
// its file:line:column. Not included outside this folder.
#pragma once

#include "config/yaml_tree.hpp"

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

// The kind of a problem: what is shown with its place where the message itself, which may quote
// the configuration, must not be (the daemon's unauthenticated /readyz).
enum class Problem {
  invalid_yaml,
  unknown_key,
  declared_twice,
  wrong_type,
  invalid_value,
  missing_value,
  file,
  too_large,
};
[[nodiscard]] std::string_view to_string(Problem problem);

// Collects error lines ("file:line:col: message") so that all of them are shown at once, in the
// order of the files and of the lines within them (not in the order they were found). Bounded:
// the first k_max_kept found are kept, the first k_max_shown of those (by place) are shown, and
// the rest are counted.
class Diagnostics {
 public:
  static constexpr std::size_t k_max_kept = 1000;
  static constexpr std::size_t k_max_shown = 100;

  void add(const Place& place, const std::string& message,
           Problem problem = Problem::invalid_value);
  // A problem with no place in a file (an environment variable): listed last.
  void add(std::string text, Problem problem = Problem::invalid_value);

  [[nodiscard]] bool empty() const { return m_count == 0; }
  [[nodiscard]] std::size_t count() const { return m_count; }
  // "file:line:col: message", then "... and N more errors" past k_max_shown.
  [[nodiscard]] std::vector<std::string> lines() const;
  // The same problems as "file:line:col: kind": nothing of the configuration's content.
  [[nodiscard]] std::vector<std::string> outline() const;

 private:
  struct Entry {
    Place place;  // text holds the whole line
    std::string where;
    Problem problem;
  };
  [[nodiscard]] std::vector<Entry> shown() const;

  std::vector<Entry> m_entries;
  std::size_t m_count = 0;
};

struct SourceFile {
  std::string display;         // the path as the user named it, for messages
  std::filesystem::path path;  // the path opened
  std::size_t index = 0;       // its place in the order files are read
};

// Whether an error message may repeat the value it is about: never for a field that may hold a
// secret (regexes, word lists, keys), whose values are masked everywhere.
enum class Echo { value, kind_only };

// Line 1, column 1 of a file.
[[nodiscard]] Place start_of(const SourceFile& file);

class Reader {
 public:
  Reader(const SourceFile& file, Diagnostics& diagnostics)
      : m_file(file), m_diagnostics(diagnostics) {}

  [[nodiscard]] const SourceFile& file() const { return m_file; }
  [[nodiscard]] Place place(const yaml::Node& node) const;
  void error(const yaml::Node& at, const std::string& message,
             Problem problem = Problem::invalid_value);

  // A mapping whose keys are all in `keys`; reports unknown (with a suggestion) and repeated
  // keys. A null node counts as an empty mapping. False when the node is not a mapping.
  bool mapping(const yaml::Node& node, std::string_view path,
               std::span<const std::string_view> keys);

  // YAML 1.2 booleans only (true/false, any case): "yes", "on" and quoted "true" are errors.
  std::optional<bool> boolean(const yaml::Node& node, std::string_view path);
  // A scalar; plain numbers and booleans are accepted as their text.
  std::optional<std::string> string(const yaml::Node& node, std::string_view path,
                                    Echo echo = Echo::value);
  // A plain integer scalar from `min` to `max`.
  std::optional<int> integer(const yaml::Node& node, std::string_view path, int min, int max);
  // A sequence (null counts as empty). False, reported, when the node is not one.
  bool sequence(const yaml::Node& node, std::string_view path, Echo echo = Echo::value);
  // A uuid ("56a8c060-01bb-4f89-ba1e-3ad42770a342"), returned in lower case.
  std::optional<std::string> uuid(const yaml::Node& node, std::string_view path);
  // A scalar that must be one of `names`; returns its index.
  std::optional<std::size_t> one_of(const yaml::Node& node, std::string_view path,
                                    std::span<const std::string_view> names);

 private:
  const SourceFile& m_file;
  Diagnostics& m_diagnostics;
};

// "dlp.profiles" + 3 -> "dlp.profiles[3]"; with a name: "dlp.profiles[\"Employee IDs\"]".
[[nodiscard]] std::string item_path(std::string_view list, std::size_t index,
                                    const yaml::Node& item, std::string_view name_key = "name");

// The key node of `name` in `mapping` (for locations), or an undefined node.
[[nodiscard]] yaml::Node key_node(const yaml::Node& mapping, std::string_view name);

// "dlp.settings" + "ocr" -> "dlp.settings.ocr"; "" + "dlp" -> "dlp".
[[nodiscard]] std::string join_path(std::string_view parent, std::string_view key);

// How a node is named in an error message: a short quoted scalar, "a mapping", "null"...; with
// Echo::kind_only, a scalar is "a string of 12 characters".
[[nodiscard]] std::string describe(const yaml::Node& node, Echo echo = Echo::value);

}  // namespace cfsync::config
