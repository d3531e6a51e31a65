// Internal to config/: the state shared while one or more YAML documents are read and merged.
#pragma once

#include "config/load.hpp"
#include "config/yaml_reader.hpp"
#include "reconcile/model.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cfsync::config {

class DatasetScanCache;

struct Merge {
  std::filesystem::path root;  // canonical
  std::string root_display;    // as the user named it
  DesiredState desired;
  std::optional<Place> account_id_at;  // where a valid account_id was declared
  bool account_id_declared = false;    // valid or not
  bool unreadable_file = false;        // a file was not valid YAML: what it declares is unknown
  std::map<std::string, Place, std::less<>> prune_at;  // by kind ("profiles")
  std::optional<Place> safety_at;
  std::optional<Place> suspend_at;
  // Where each section's objects were first declared, by section ("dlp.profiles") and by the
  // name that identifies one (a profile's name, an instance's namespace/id); a singleton
  // section ("dlp.settings") under "".
  std::map<std::string, std::map<std::string, Place>, std::less<>> declared_at;
  std::vector<std::filesystem::path> referenced;  // files named by the configuration
  std::vector<DocumentTree> document_trees;       // the documents: directories walked
  DatasetScanCache* dataset_scans = nullptr;      // where dataset files are scanned
};

void read_document(const yaml::Node& document, Reader& reader, Merge& merge);

// A section of the configuration: where it is in a document (a top-level key, or a key of a group
// such as `dlp:`), its reader, the keys of each mapping it reads with where the JSON Schema
// describes that mapping, and its part of that schema. Each family's reader file lists its own
// (`<family>_sections()`), and load.cpp lists the families: adding one is a reader file and a line
// there.
//
// A reader gets the mapping key that names the section (for locations) and its value. Lists merge
// across files; a name declared twice is an error naming both places.
using SectionReader = void (*)(const yaml::Node& key, const yaml::Node& node, Reader& reader,
                               Merge& merge);
struct Section {
  std::string_view group;  // "" for a top-level key
  std::string_view key;
  SectionReader read;
  std::span<const KeyTable> keys;
  std::string_view schema;  // the JSON Schema of the key's value
  std::string_view defs;    // JSON Schema definitions it refers to ("#/$defs/…"), as an object
};

// A file named in the configuration: relative to the YAML file that names it, and inside the
// config root once symlinks are resolved. Reports and returns nothing otherwise.
std::optional<std::filesystem::path> resolve_reference(const yaml::Node& at, std::string_view path,
                                                       const std::string& value, Reader& reader,
                                                       Merge& merge);

// The content of a regular file of at most `max_bytes`. Its type and size are checked on the
// open file before anything is read: a FIFO or a device never blocks the load, a large file is
// never read whole. Errors complete "<file> ...": ErrorKind::config for the type or the size
// ("is larger than 64 KiB (1 MiB), ..."), ErrorKind::io when it cannot be opened or read.
[[nodiscard]] Result<std::string> read_bounded(const std::filesystem::path& path,
                                               std::uint64_t max_bytes);

// Standard base64 with padding, as the API expects for keys.
[[nodiscard]] bool is_base64(std::string_view text);

}  // namespace cfsync::config
