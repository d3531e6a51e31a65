// AI Search documents: files declared in the configuration, and the items an instance holds
// (API.md §7.3).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace cfsync {

// Custom metadata values as the API types them: string, number or boolean.
using MetadataValue = std::variant<std::string, double, bool>;
using Metadata = std::map<std::string, MetadataValue>;

// Hex digests of a file's content by algorithm ("md5", "sha1", "sha256"), lower case.
using Digests = std::map<std::string, std::string>;

struct DesiredDocument {
  std::string key;             // the path below `dir`, with '/' separators: the item's key
  std::filesystem::path file;  // where to read it
  std::uint64_t size = 0;
  Metadata metadata;
  // Filled in before planning for documents whose live item has the same size: the content
  // must then be compared by checksum. Unset otherwise.
  std::optional<Digests> digests;
};

struct DesiredInstance {
  std::string namespace_name = "default";
  std::string id;
  std::vector<DesiredDocument> documents;  // sorted by key
  bool prune = false;                      // delete uploaded items that no file declares

  [[nodiscard]] std::string label() const { return namespace_name + "/" + id; }
};

enum class ItemStatus { queued, running, completed, error, skipped, outdated };

struct LiveItem {
  std::string id;
  std::string key;
  std::string checksum;  // lower case; the algorithm is not named by the API
  std::optional<std::uint64_t> file_size;
  Metadata metadata;  // built-in keys too: only declared keys are compared
  ItemStatus status = ItemStatus::queued;
  std::string error;
};

struct LiveInstance {
  std::string namespace_name;
  std::string id;
  std::vector<LiveItem> items;  // uploaded ones (source "builtin") only
};

[[nodiscard]] std::string_view to_string(ItemStatus status);
[[nodiscard]] std::optional<ItemStatus> parse_item_status(std::string_view text);
[[nodiscard]] bool is_final(ItemStatus status);  // completed, error or skipped

// The digest algorithms cfsync can compare a checksum with, and the one a checksum's length
// points to (32 hex digits: md5, 40: sha1, 64: sha256).
[[nodiscard]] std::optional<std::string> digest_algorithm_for(std::string_view checksum);

}  // namespace cfsync
