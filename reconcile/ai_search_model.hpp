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

// A file as one stat saw it: what the digest cache (config/digest_cache) trusts a digest for.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

struct DesiredDocument {
  std::string key;             // the path below `dir`, with '/' separators: the item's key
  std::filesystem::path file;  // where to read it
  std::uint64_t size = 0;
  // The stat the size came from, taken when the directory was walked: the digest cache looks the
  // file up by it rather than stat it again. Unset: the digest cache stats the file.
  std::optional<FileStamp> stamp;
  Metadata metadata;
  // Filled in before planning for documents whose live item has the same size: the content
  // must then be compared by checksum. Unset otherwise.
  std::optional<Digests> digests;
};

// Settings of a namespace or an instance, by top-level key, each value as JSON text (compact,
// as Boost.JSON prints it). Desired: the keys the configuration declares, checked against the
// spec's schema (reconcile/ai_search_schema.hpp). Live: the keys the API answered.
using Settings = std::map<std::string, std::string>;

struct DesiredNamespace {
  std::string name;
  Settings settings;  // description, public_endpoint_params
};

struct DesiredInstance {
  std::string namespace_name = "default";
  std::string id;
  Settings settings;                       // only what is declared is compared and sent
  std::vector<DesiredDocument> documents;  // sorted by key
  bool prune = false;                      // delete uploaded items that no file declares

  [[nodiscard]] std::string label() const { return namespace_name + "/" + id; }
};

enum class ItemStatus { queued, running, completed, error, skipped, outdated };

// What this machine sent when it uploaded an item, kept in the state directory (items.json):
// what content is compared with when the API's checksum is not a hex digest or its size is
// null, and which metadata keys cfsync set (the others are the server's: built-in, or retained
// from a source).
struct ItemRecord {
  std::string sha256;  // of the content sent, hex
  std::uint64_t size = 0;
  std::vector<std::string> metadata_keys;  // sorted

  friend bool operator==(const ItemRecord&, const ItemRecord&) = default;
};
using ItemRecords = std::map<std::string, ItemRecord>;  // by item id

struct LiveItem {
  std::string id;
  std::string key;
  std::string checksum;                    // lower case; the algorithm is not named by the API
  std::optional<std::uint64_t> file_size;  // unset: null, or not a whole number of bytes
  Metadata metadata;                       // built-in keys too: only declared keys are compared
  ItemStatus status = ItemStatus::queued;
  std::string error;
  // next_action "DELETE": deleted, but still holding its key until the API gets to it.
  bool deleting = false;
  // A value the API answered that cfsync cannot use ("file_size 12.5"), for a warning.
  std::string odd;
  std::optional<ItemRecord> record;  // attached from the state directory before planning
};

struct LiveInstance {
  std::string namespace_name;  // where it is: another namespace than declared when it moves
  std::string id;
  std::vector<LiveItem> items;  // uploaded ones (source "builtin") only
  bool exists = true;           // false: not in the account, no items were read
};

struct LiveNamespace {
  std::string name;
  Settings settings;
};

// An instance as the namespace's listing answers it.
struct LiveInstanceInfo {
  std::string namespace_name;
  std::string id;
  Settings settings;      // the answered configuration keys, read-only ones left out
  std::string status;     // "waiting" until it can take uploads
  std::size_t items = 0;  // read only for instances a plan may delete (prune)
  // Values cfsync sent for keys the API never answers (chunk, summarization, system prompts…),
  // kept in the state directory (ai-search-instances.json) and attached before planning.
  Settings recorded;
};

// Every namespace and every instance of the account: read when the configuration manages them
// (declares namespaces or instance settings, prunes instances or namespaces) or a declared
// instance is not where it is declared.
struct LiveAiSearchStack {
  std::vector<LiveNamespace> namespaces;
  std::vector<LiveInstanceInfo> instances;
};

// The spec's patterns for a namespace name (lower-case letters, digits and inner hyphens, at most
// 28) and an instance id (lower-case letters, digits, '_' and single inner hyphens, at most 64).
// Names from the API are checked too before they become paths (export).
[[nodiscard]] bool is_namespace_name(std::string_view name);
[[nodiscard]] bool is_instance_id(std::string_view id);

// The metadata attributes AI Search sets on every item itself (its documentation's "built-in
// metadata attributes"): never declared, never compared, never exported.
[[nodiscard]] bool is_builtin_metadata(std::string_view key);

[[nodiscard]] std::string_view to_string(ItemStatus status);
[[nodiscard]] std::optional<ItemStatus> parse_item_status(std::string_view text);
[[nodiscard]] bool is_final(ItemStatus status);  // completed, error or skipped

// The digest algorithm a checksum is made with, as its length of hex digits says (32: md5, 40:
// sha1, 64: sha256); none for anything else (the spec only says "string").
[[nodiscard]] std::optional<std::string> digest_algorithm_for(std::string_view checksum);

}  // namespace cfsync
