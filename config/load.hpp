// The desired state: YAML files -> DesiredState, validated before anything talks to the API.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::config {

class DatasetScanCache;

struct LoadOptions {
  // One YAML file, or a directory whose *.yaml and *.yml files are merged.
  std::filesystem::path path;
  // The value of CLOUDFLARE_ACCOUNT_ID, when set.
  std::optional<std::string> env_account_id;
  // Bounds on any input: a larger YAML file is refused before it is read, and so is one with more
  // values (aliases counted as the values they repeat).
  std::uint64_t max_file_bytes = 16 * 1024 * 1024;
  std::size_t max_values = 1'000'000;
  // Where dataset files are scanned: a cache in the state directory, so that an unchanged file is
  // not read again (its answer is the same). Null: each is scanned.
  DatasetScanCache* dataset_scans = nullptr;
};

// A `documents:` entry: the directory walked and the filters applied to the paths below it, so
// that a watcher can tell which new files the configuration would read. Names starting with '.'
// are never documents.
struct DocumentTree {
  std::filesystem::path directory;   // canonical
  std::vector<std::string> include;  // globs; empty: every file
  std::vector<std::string> exclude;
};

struct Config {
  DesiredState desired;
  // The directory that file references must stay inside: the file's directory, or the directory.
  std::filesystem::path root;
  // Every file read: the YAML files, then the files they reference.
  std::vector<std::filesystem::path> files;
  // Whether the configuration is a directory's *.yaml files (a new one there is read too).
  bool directory = false;
  std::vector<DocumentTree> document_trees;
  // Where `suspend:` is declared: the file (one of `files`) and its line (1-based). The line does
  // not count in the configuration's digest, so that suspending does not pass for a change.
  std::optional<std::pair<std::filesystem::path, int>> suspend_line;
};

// What Config::root of the configuration at `path` is: the directory, or the file's directory,
// canonical. ErrorKind::io when it cannot be resolved.
[[nodiscard]] Result<std::filesystem::path> config_root(const std::filesystem::path& path);

// ./cfsync.yaml if it exists, else ./cfsync/ if it is a directory.
[[nodiscard]] Result<std::filesystem::path> default_path(const std::filesystem::path& working_dir);

// On failure the error is ErrorKind::config (details: one "file:line:col: message" line per
// problem, the first 100 by place then how many more; redacted_details: the same as
// "file:line:col: kind", quoting nothing of the files) or ErrorKind::io (the configuration
// itself cannot be read).
[[nodiscard]] Result<Config> load(const LoadOptions& options);

// The keys a mapping of the configuration may hold, and where the JSON Schema describes that
// mapping (a JSON pointer into it): what the schema must list.
struct KeyTable {
  std::string_view schema_pointer;  // "/$defs/profile"
  std::span<const std::string_view> keys;
};
[[nodiscard]] std::vector<KeyTable> key_tables();

// The configuration's parts of its JSON Schema, section by section in the order they are read: the
// schema of the value at `group`.`key` (or `key` at the top), and the definitions it refers to.
struct SchemaPart {
  std::string_view group;  // "" for a top-level key
  std::string_view key;
  std::string_view schema;
  std::string_view defs;  // a JSON object of definitions, or empty
};
[[nodiscard]] std::vector<SchemaPart> schema_parts();

// A Cloudflare account id: 32 lower-case hex characters.
[[nodiscard]] bool is_account_id(std::string_view text);

}  // namespace cfsync::config
