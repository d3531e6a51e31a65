// `cfsync export`: the live state written back as a configuration, the inverse of load(). What
// it declares is what the account holds, so a plan against the same account is empty.
#pragma once

#include "reconcile/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::config {

// An AI Search instance, with its settings and what it holds.
struct ExportedInstance {
  std::string namespace_name;
  std::string id;
  Settings settings;      // as the API answered them
  std::size_t items = 0;  // uploaded items in the instance
  // With --with-documents: the directory, relative to the configuration, that holds the
  // downloaded items (each at its key), and those items. Unset: the items are not declared.
  std::optional<std::string> dir;
  std::vector<LiveItem> written;
  std::vector<std::string> skipped;  // "key: why", items not written
};

struct ExportInput {
  std::string account_id;
  LiveState live;  // dlp settings, profiles (custom and predefined) and datasets, all of them
  // Where the payload-logging key was written, relative to the configuration. Unset: the key
  // is left out (not managed), as it is never printed.
  std::optional<std::string> public_key_file;
  std::vector<ExportedInstance> instances;
  std::vector<LiveNamespace> namespaces;  // every namespace, "default" too
};

struct Exported {
  std::string yaml;
  // What could not be declared, for the user: names held twice, items not written.
  std::vector<std::string> warnings;
};

[[nodiscard]] Exported render_export(const ExportInput& input);

// Why an item's key cannot be a file below the export directory that the document walk finds
// again under the same key (absolute, empty, ".", ".." or hidden segments), if it cannot.
[[nodiscard]] std::optional<std::string> document_key_problem(std::string_view key);

// Whether the payload-logging key can be declared: a configuration only takes strict base64.
[[nodiscard]] bool key_exportable(const Sensitive& key);

// `text` as a glob that matches exactly it.
[[nodiscard]] std::string glob_escaped(std::string_view text);

}  // namespace cfsync::config
