#include "config/load.hpp"

#include "config/dataset_scan_cache.hpp"
#include "config/document.hpp"
#include "config/yaml_reader.hpp"
#include "reconcile/family.hpp"
#include "reconcile/safety.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 4> k_prune_keys = {
    "profiles", "datasets", "ai_search_instances", "ai_search_namespaces"};
constexpr std::array<std::string_view, 3> k_safety_limit_keys = {"max_delete_percent",
                                                                 "max_delete_count", "allow_empty"};

constexpr std::string_view k_account_id_expected =
    "expected a 32-character lower-case hex account id";

void read_account_id(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader,
                     Merge& merge) {
  merge.account_id_declared = true;
  auto id = reader.string(node, "account_id");
  if (!id) return;
  if (!is_account_id(*id)) {
    reader.error(node,
                 "account_id: " + std::string(k_account_id_expected) + ", got " + describe(node));
    return;
  }
  if (merge.account_id_at && merge.desired.account_id != *id) {
    reader.error(node,
                 "account_id is declared twice with different values: here and at " +
                     merge.account_id_at->text,
                 Problem::declared_twice);
    return;
  }
  merge.account_id_at = reader.place(node);
  merge.desired.account_id = std::move(*id);
}

// prune: what may be deleted. Each kind is declared once, and merged files may each declare
// some (a team's file its profiles, another's its datasets).
void read_prune(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader, Merge& merge) {
  if (!reader.mapping(node, "prune", k_prune_keys) || node.is_null()) return;
  PruneOptions& prune = merge.desired.prune;
  const std::pair<std::string_view, bool*> kinds[] = {
      {"profiles", &prune.profiles},
      {"datasets", &prune.datasets},
      {"ai_search_instances", &prune.ai_search_instances},
      {"ai_search_namespaces", &prune.ai_search_namespaces}};
  for (const auto& [kind, member] : kinds) {
    const yaml::Node value = node[kind];
    if (!value) continue;
    const std::string path = "prune." + std::string(kind);
    if (const auto first = merge.prune_at.find(kind); first != merge.prune_at.end()) {
      reader.error(value, path + " is declared twice: here and at " + first->second.text,
                   Problem::declared_twice);
      continue;
    }
    merge.prune_at.emplace(std::string(kind), reader.place(value));
    *member = reader.boolean(value, path).value_or(false);
  }
}

// suspend: true stops every write; plans and drift are still computed and reported. Declared once.
void read_suspend(const yaml::Node& key, const yaml::Node& node, Reader& reader, Merge& merge) {
  if (merge.suspend_at) {
    reader.error(key, "suspend is declared twice: here and at " + merge.suspend_at->text,
                 Problem::declared_twice);
    return;
  }
  merge.suspend_at = reader.place(key);
  merge.desired.suspended = reader.boolean(node, "suspend").value_or(false);
}

// safety: per kind, how much one plan may take away (reconcile/safety.hpp). Declared once.
void read_safety(const yaml::Node& key, const yaml::Node& node, Reader& reader, Merge& merge) {
  if (merge.safety_at) {
    reader.error(key, "safety is declared twice: here and at " + merge.safety_at->text,
                 Problem::declared_twice);
    return;
  }
  merge.safety_at = reader.place(key);
  const std::vector<std::string_view> kinds = reconcile::safety_kinds();
  if (!reader.mapping(node, "safety", kinds) || node.is_null()) return;
  for (std::string_view kind : kinds) {
    const yaml::Node limits = node[std::string(kind)];
    if (!limits) continue;
    const std::string path = join_path("safety", kind);
    if (!reader.mapping(limits, path, k_safety_limit_keys) || limits.is_null()) continue;
    SafetyLimits& out = merge.desired.safety[reconcile::kind_named(kind)->kind];
    if (const yaml::Node percent = limits["max_delete_percent"]) {
      if (auto value = reader.integer(percent, join_path(path, "max_delete_percent"), 0, 100)) {
        out.max_delete_percent = *value;
      }
    }
    if (const yaml::Node count = limits["max_delete_count"]) {
      if (auto value =
              reader.integer(count, join_path(path, "max_delete_count"), 0, 1'000'000'000)) {
        out.max_delete_count = *value;
      }
    }
    if (const yaml::Node empty = limits["allow_empty"]) {
      out.allow_empty = reader.boolean(empty, join_path(path, "allow_empty")).value_or(false);
    }
  }
}

constexpr KeyTable k_prune_tables[] = {{"/properties/prune", k_prune_keys}};
constexpr KeyTable k_safety_tables[] = {{"/$defs/safety_limits", k_safety_limit_keys}};

constexpr std::string_view k_account_id_schema =
    R"json({"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "The account; or CLOUDFLARE_ACCOUNT_ID."})json";
constexpr std::string_view k_prune_schema = R"json({
  "type": ["object", "null"],
  "additionalProperties": false,
  "properties": {
    "profiles": {"type": "boolean", "description": "Delete custom profiles the configuration does not declare."},
    "datasets": {"type": "boolean", "description": "Delete datasets the configuration does not declare."},
    "ai_search_instances": {"type": "boolean", "description": "Delete AI Search instances the configuration does not declare (one that holds items only with --force)."},
    "ai_search_namespaces": {"type": "boolean", "description": "Delete AI Search namespaces the configuration does not declare (only empty ones; never default)."}
  }
})json";
constexpr std::string_view k_suspend_schema =
    R"json({"type": "boolean", "default": false, "description": "Stop every write to the account: plans and drift are still computed and reported (like Flux's suspend). Commit it like any change."})json";
constexpr std::string_view k_safety_limits_defs = R"json({
"safety_limits": {
  "type": ["object", "null"],
  "additionalProperties": false,
  "properties": {
    "max_delete_percent": {"type": "integer", "minimum": 0, "maximum": 100, "default": 30},
    "max_delete_count": {"type": "integer", "minimum": 0, "default": 100},
    "allow_empty": {"type": "boolean", "default": false}
  }
}
})json";

// safety: a mapping by the kinds whose deletes are limited (reconcile/family.hpp).
std::string_view safety_schema() {
  static const std::string schema = [] {
    std::string properties;
    for (std::string_view kind : reconcile::safety_kinds()) {
      properties += std::string(properties.empty() ? "" : ",\n") + "    \"" + std::string(kind) +
                    "\": {\"$ref\": \"#/$defs/safety_limits\"}";
    }
    return "{\n  \"type\": [\"object\", \"null\"],\n  \"additionalProperties\": false,\n"
           "  \"properties\": {\n" +
           properties + "\n  }\n}";
  }();
  return schema;
}

// What the whole account takes: which account, and what may be deleted how far.
constexpr Section k_account_sections[] = {
    {"", "account_id", read_account_id, {}, k_account_id_schema, ""}};
const Section k_policy_sections[] = {
    {"", "prune", read_prune, k_prune_tables, k_prune_schema, ""},
    {"", "suspend", read_suspend, {}, k_suspend_schema, ""},
    {"", "safety", read_safety, k_safety_tables, safety_schema(), k_safety_limits_defs},
};

}  // namespace

// The families' sections, each listed in its reader file.
std::span<const Section> dlp_settings_sections();
std::span<const Section> dlp_profiles_sections();
std::span<const Section> dlp_datasets_sections();
std::span<const Section> ai_search_sections();

namespace {

// Every section of a document, in the order they are read.
const std::vector<Section>& sections() {
  static const std::vector<Section> all = [] {
    std::vector<Section> out;
    for (const std::span<const Section> family :
         {std::span<const Section>(k_account_sections), dlp_settings_sections(),
          dlp_profiles_sections(), dlp_datasets_sections(), ai_search_sections(),
          std::span<const Section>(k_policy_sections)}) {
      out.insert(out.end(), family.begin(), family.end());
    }
    return out;
  }();
  return all;
}

// The keys a mapping may hold: the sections of `group`, or the top-level keys and groups.
std::vector<std::string_view> section_keys(std::string_view group) {
  std::vector<std::string_view> keys;
  for (const Section& section : sections()) {
    const std::string_view key = group.empty() && !section.group.empty() ? section.group
                                 : section.group == group                ? section.key
                                                                         : std::string_view();
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
    }
  }
  return keys;
}

struct Layout {
  std::vector<SourceFile> files;  // in the order they are merged
  fs::path root;                  // as named: the directory, or the file's directory
  bool directory = false;         // a directory's *.yaml files, not one file
};

}  // namespace

std::vector<KeyTable> key_tables() {
  static const std::vector<std::string_view> top = section_keys("");
  static const std::vector<std::string_view> dlp = section_keys("dlp");
  static const std::vector<std::string_view> safety = reconcile::safety_kinds();
  std::vector<KeyTable> out = {{"", top}, {"/properties/dlp", dlp}, {"/properties/safety", safety}};
  for (const Section& section : sections())
    out.insert(out.end(), section.keys.begin(), section.keys.end());
  return out;
}

std::vector<SchemaPart> schema_parts() {
  std::vector<SchemaPart> out;
  for (const Section& section : sections()) {
    out.push_back({section.group, section.key, section.schema, section.defs});
  }
  return out;
}

bool is_account_id(std::string_view text) {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

namespace {

// The root as named: the directory, or the file's directory.
fs::path named_root(const fs::path& path, bool directory) {
  if (directory) return path;
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

Result<fs::path> canonical_root(const fs::path& named) {
  std::error_code ec;
  fs::path root = fs::canonical(named, ec);
  if (ec) {
    return Error(ErrorKind::io,
                 "cannot resolve configuration root \"" + named.string() + "\": " + ec.message());
  }
  return root;
}

Result<Layout> list_files(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return Error(ErrorKind::io, "configuration \"" + path.string() + "\" does not exist");
  }
  if (!fs::is_directory(status)) {
    return Layout{{{path.string(), path, 0}}, named_root(path, false), false};
  }

  std::vector<SourceFile> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (name.starts_with('.') || (ext != ".yaml" && ext != ".yml")) continue;
    // A FIFO or a device named *.yaml is not a configuration file; it is read (and refused) by
    // read_bounded, which never blocks on it.
    if (entry.is_directory(ec)) continue;
    files.push_back({(path / name).string(), entry.path(), 0});
  }
  if (ec) {
    return Error(ErrorKind::io,
                 "cannot list configuration directory \"" + path.string() + "\": " + ec.message());
  }
  if (files.empty()) {
    return Error(ErrorKind::config,
                 "configuration directory \"" + path.string() + "\" has no *.yaml files");
  }
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  for (std::size_t i = 0; i < files.size(); ++i) files[i].index = i;
  return Layout{std::move(files), path, true};
}

// Whether `path` is `root` or below it (both canonical).
bool inside(const fs::path& root, const fs::path& path) {
  const auto [root_end, unused] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

void read_yaml_file(const SourceFile& file, const std::string& text, const yaml::Limits& limits,
                    Diagnostics& diagnostics, Merge& merge) {
  Reader reader(file, diagnostics);
  const yaml::Parsed parsed = yaml::parse(text, limits);
  if (parsed.error) {
    // Nothing of a file that is not YAML is read: what it declares is unknown.
    const yaml::Mark mark = parsed.error->mark;
    diagnostics.add({file.index, mark.line, mark.column,
                     file.display + ":" + std::to_string(mark.line + 1) + ":" +
                         std::to_string(mark.column + 1)},
                    "invalid YAML: " + parsed.error->message, Problem::invalid_yaml);
    merge.unreadable_file = true;
    return;
  }
  const std::vector<yaml::Node>& documents = parsed.stream->documents();
  if (documents.size() > 1) {
    reader.error(documents[1], "a second YAML document; cfsync reads one document per file");
  }
  if (!documents.empty()) read_document(documents.front(), reader, merge);
}

void resolve_account_id(const LoadOptions& options, const std::vector<SourceFile>& files,
                        Diagnostics& diagnostics, Merge& merge) {
  const std::string& env = options.env_account_id.value_or("");
  // An invalid account_id, or a file that could not be parsed, has been reported already.
  if (merge.account_id_declared && !merge.account_id_at) return;
  if (!merge.account_id_at) {
    if (merge.unreadable_file) return;
    if (env.empty()) {
      diagnostics.add(start_of(files.front()),
                      "account_id is not set; declare it at the top level or set "
                      "CLOUDFLARE_ACCOUNT_ID");
    } else if (!is_account_id(env)) {
      diagnostics.add("CLOUDFLARE_ACCOUNT_ID: " + std::string(k_account_id_expected));
    } else {
      merge.desired.account_id = env;
    }
    return;
  }
  if (!env.empty() && env != merge.desired.account_id) {
    // Two different accounts named: refuse rather than guess which one is meant.
    diagnostics.add(*merge.account_id_at,
                    "account_id differs from CLOUDFLARE_ACCOUNT_ID; unset one of them");
  }
}

std::string byte_size(std::uint64_t bytes) {
  constexpr std::uint64_t k_mib = 1024 * 1024;
  if (bytes >= k_mib && bytes % k_mib == 0) return std::to_string(bytes / k_mib) + " MiB";
  if (bytes >= k_mib) {
    const std::uint64_t tenths = bytes * 10 / k_mib;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MiB";
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

void read_document(const yaml::Node& document, Reader& reader, Merge& merge) {
  if (!reader.mapping(document, "", section_keys("")) || document.is_null()) return;
  std::map<std::string_view, bool> group_read;  // "dlp": whether it is a mapping to read
  for (const Section& section : sections()) {
    yaml::Node parent = document;
    if (!section.group.empty()) {
      parent = document[section.group];
      if (!parent) continue;
      auto [group, first] = group_read.try_emplace(section.group, false);
      if (first) {
        group->second =
            reader.mapping(parent, section.group, section_keys(section.group)) && !parent.is_null();
      }
      if (!group->second) continue;
    }
    if (const yaml::Node node = parent[section.key]) {
      section.read(key_node(parent, section.key), node, reader, merge);
    }
  }
}

std::optional<fs::path> resolve_reference(const yaml::Node& at, std::string_view path,
                                          const std::string& value, Reader& reader, Merge& merge) {
  if (value.empty()) {
    reader.error(at, std::string(path) + ": expected a file path, got \"\"");
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path named = reader.file().path.parent_path() / value;
  const fs::path resolved = fs::weakly_canonical(named, ec);
  if (ec) {
    reader.error(at, std::string(path) + ": cannot resolve \"" + value + "\": " + ec.message(),
                 Problem::file);
    return std::nullopt;
  }
  if (!inside(merge.root, resolved)) {
    reader.error(at,
                 std::string(path) + ": \"" + value + "\" leaves the config root \"" +
                     merge.root_display + "\"",
                 Problem::file);
    return std::nullopt;
  }
  merge.referenced.push_back(resolved);
  return resolved;
}

Result<std::string> read_bounded(const fs::path& path, std::uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Error(ErrorKind::io, std::string("cannot be read: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return Error(ErrorKind::io, std::string("cannot be read: ") + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) return Error(ErrorKind::config, "is not a regular file");
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (size > max_bytes) {
    return Error(ErrorKind::config, "is larger than " + byte_size(max_bytes) + " (" +
                                        byte_size(size) + "), the limit for this file");
  }
  std::string content(static_cast<std::size_t>(size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t got = ::read(fd, content.data() + done, content.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return Error(ErrorKind::io, std::string("cannot be read: ") + std::strerror(errno));
    }
    if (got == 0) break;  // it shrank while being read: what is there
    done += static_cast<std::size_t>(got);
  }
  content.resize(done);
  return content;
}

bool is_base64(std::string_view text) {
  // OpenSSL's decoder skips surrounding white space; a key must not have any.
  if (text.empty() || text.size() % 4 != 0 ||
      text.find_first_of(" \t\r\n") != std::string_view::npos) {
    return false;
  }
  std::vector<unsigned char> decoded(text.size());
  return EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) >= 0;
}

Result<fs::path> default_path(const fs::path& working_dir) {
  std::error_code ec;
  if (fs::is_regular_file(working_dir / "cfsync.yaml", ec)) return fs::path("cfsync.yaml");
  if (fs::is_directory(working_dir / "cfsync", ec)) return fs::path("cfsync");
  return Error(ErrorKind::usage,
               "no configuration: ./cfsync.yaml and ./cfsync/ do not exist; pass --config PATH");
}

Result<fs::path> config_root(const fs::path& path) {
  std::error_code ec;
  return canonical_root(named_root(path, fs::is_directory(path, ec)));
}

Result<Config> load(const LoadOptions& options) {
  CFSYNC_TRY(Layout layout, list_files(options.path));
  const std::vector<SourceFile>& files = layout.files;

  std::error_code ec;
  Merge merge;
  CFSYNC_TRY(merge.root, canonical_root(layout.root));
  merge.root_display = layout.root.string();
  DatasetScanCache scans = DatasetScanCache::open({});
  merge.dataset_scans = options.dataset_scans != nullptr ? options.dataset_scans : &scans;

  Diagnostics diagnostics;
  for (const SourceFile& file : files) {
    // A *.yaml of the directory that links to a file outside it is refused, as a referenced
    // file that leaves the root is.
    if (layout.directory && !inside(merge.root, fs::weakly_canonical(file.path, ec))) {
      diagnostics.add(start_of(file),
                      "is a symbolic link to a file outside the configuration directory \"" +
                          merge.root_display + "\"; refused, as a referenced file would be",
                      Problem::file);
      merge.unreadable_file = true;
      continue;
    }
    auto text = read_bounded(file.path, options.max_file_bytes);
    if (!text && text.error().kind() == ErrorKind::io) {
      return Error(ErrorKind::io,
                   "configuration \"" + file.display + "\" " + text.error().message());
    }
    if (!text) {
      const bool large = text.error().message().starts_with("is larger");
      diagnostics.add(start_of(file), text.error().message(),
                      large ? Problem::too_large : Problem::file);
      merge.unreadable_file = true;
      continue;
    }
    read_yaml_file(file, *text, yaml::Limits{.max_values = options.max_values}, diagnostics, merge);
  }
  resolve_account_id(options, files, diagnostics, merge);

  if (!diagnostics.empty()) {
    const std::size_t count = diagnostics.count();
    Error error(ErrorKind::config, "invalid configuration: " + std::to_string(count) +
                                       (count == 1 ? " error" : " errors"));
    error.details = diagnostics.lines();
    error.redacted_details = diagnostics.outline();
    return error;
  }

  Config config;
  config.desired = std::move(merge.desired);
  config.root = std::move(merge.root);
  for (const SourceFile& file : files) config.files.push_back(file.path);
  if (merge.suspend_at && merge.suspend_at->file < files.size()) {
    config.suspend_line.emplace(files[merge.suspend_at->file].path, merge.suspend_at->line + 1);
  }
  config.files.insert(config.files.end(), merge.referenced.begin(), merge.referenced.end());
  config.directory = layout.directory;
  config.document_trees = std::move(merge.document_trees);
  return config;
}

}  // namespace cfsync::config
