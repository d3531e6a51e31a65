// ai_search.instances: the documents each AI Search instance must hold, found by walking the
// declared directories. Every limit the API enforces is checked here, before any request.
#include "config/document.hpp"
#include "config/glob.hpp"
#include "config/json_shape.hpp"
#include "reconcile/ai_search_schema.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 2> k_ai_search_keys = {"namespaces", "instances"};
constexpr std::array<std::string_view, 4> k_instance_own_keys = {"namespace", "id", "documents",
                                                                 "prune"};

// The keys of a schema's properties (reconcile/ai_search_schema.hpp), after `first`.
std::vector<std::string_view> keys_of(const boost::json::object& schema,
                                      std::span<const std::string_view> first) {
  std::vector<std::string_view> keys(first.begin(), first.end());
  for (const auto& entry : schema.at("properties").as_object()) keys.push_back(entry.key());
  return keys;
}

// An instance's keys: its own, then every setting of the spec's create and update bodies.
std::span<const std::string_view> instance_keys() {
  static const std::vector<std::string_view> keys =
      keys_of(reconcile::instance_schema(), k_instance_own_keys);
  return keys;
}

constexpr std::array<std::string_view, 1> k_namespace_own_keys = {"name"};
std::span<const std::string_view> namespace_keys() {
  static const std::vector<std::string_view> keys =
      keys_of(reconcile::namespace_schema(), k_namespace_own_keys);
  return keys;
}

// The declared settings of `item`: each key the schema has, checked and sent as JSON.
bool read_settings(const yaml::Node& item, const std::string& path,
                   const boost::json::object& schema, Reader& reader, Settings& out) {
  const boost::json::object& properties = schema.at("properties").as_object();
  bool valid = true;
  for (const auto& [key, value] : item.entries()) {
    const boost::json::value* property = properties.if_contains(key.scalar());
    if (property == nullptr) continue;
    auto read = read_by_schema(value, property->as_object(), join_path(path, key.scalar()), reader);
    if (!read) {
      valid = false;
      continue;
    }
    out[key.scalar()] = boost::json::serialize(*read);
  }
  return valid;
}
constexpr std::array<std::string_view, 4> k_documents_keys = {"dir", "include", "exclude",
                                                              "metadata"};

constexpr std::size_t k_max_key_characters = 128;  // "Filename must not exceed 128 characters."
constexpr std::uint64_t k_max_file_bytes = 4ull << 20;  // the upload limit (API.md §7.3)

// Namespace names and instance ids, as the official spec's patterns say.
std::size_t utf8_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string mebibytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

std::optional<std::vector<std::string>> read_globs(const yaml::Node& node, const std::string& path,
                                                   Reader& reader) {
  if (!reader.sequence(node, path)) return std::nullopt;
  std::vector<std::string> globs;
  bool valid = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_at = path + "[" + std::to_string(i) + "]";
    auto glob = reader.string(node[i], item_at);
    if (glob) {
      if (auto problem = glob_problem(*glob)) {
        reader.error(node[i], item_at + ": the pattern " + *problem);
        glob.reset();
      }
    }
    valid = valid && glob.has_value();
    if (glob) globs.push_back(std::move(*glob));
  }
  if (!valid) return std::nullopt;
  return globs;
}

// YAML 1.2's spellings of infinity and not-a-number (".inf", "-.Inf", ".NaN"...).
bool is_yaml_non_finite(std::string_view text) {
  if (text.starts_with('-') || text.starts_with('+')) text.remove_prefix(1);
  return text == ".inf" || text == ".Inf" || text == ".INF" || text == ".nan" || text == ".NaN" ||
         text == ".NAN";
}

// A metadata value keeps its YAML type: true/false, numbers, else text (quoted is always text).
// A number JSON cannot carry (infinite, not a number, out of range) is refused: the API would
// refuse every upload that carries it.
std::optional<Metadata> read_metadata(const yaml::Node& node, const std::string& path,
                                      Reader& reader) {
  if (!node.is_null() && !node.is_map()) {
    reader.error(node, path + ": expected a mapping of names to values, got " + describe(node));
    return std::nullopt;
  }
  Metadata metadata;
  std::map<std::string, std::string> seen;  // name -> where first declared
  bool valid = true;
  for (const auto& item : node.entries()) {
    const std::string name = item.first.scalar();
    const yaml::Node& value = item.second;
    if (!item.first.is_scalar() || name.empty()) {
      reader.error(item.first, path + ": expected a metadata name, got " + describe(item.first),
                   Problem::wrong_type);
      valid = false;
      continue;
    }
    if (is_builtin_metadata(name)) {
      reader.error(item.first,
                   path + "." + name +
                       ": a built-in attribute AI Search sets on every item itself (filename, "
                       "folder, timestamp); choose another name");
      valid = false;
      continue;
    }
    if (auto [first, inserted] = seen.emplace(name, reader.place(item.first).text); !inserted) {
      reader.error(item.first,
                   path + ": \"" + name + "\" is declared twice: here and at " + first->second,
                   Problem::declared_twice);
      valid = false;
      continue;
    }
    if (!value.is_scalar()) {
      reader.error(value, path + "." + name + ": expected a string, number or boolean, got " +
                              describe(value));
      valid = false;
      continue;
    }
    const std::string& text = value.scalar();
    if (value.plain()) {  // plain: may be a boolean or a number
      if (text == "true" || text == "false") {
        metadata[name] = text == "true";
        continue;
      }
      double number = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      const bool whole = end == text.data() + text.size();
      if (ec == std::errc() && whole && std::isfinite(number)) {
        metadata[name] = number;
        continue;
      }
      if ((ec == std::errc() && whole) || (ec == std::errc::result_out_of_range && whole) ||
          is_yaml_non_finite(text)) {
        reader.error(value,
                     path + "." + name + ": " + describe(value) +
                         " is not a finite number, which metadata cannot carry; quote it to send "
                         "it as text",
                     Problem::invalid_value);
        valid = false;
        continue;
      }
    }
    metadata[name] = text;
  }
  if (!valid) return std::nullopt;
  return metadata;
}

// A document file as the walk found it: where to read it, and the one stat taken of it.
struct WalkedFile {
  fs::path path;
  FileStamp stamp;
};

// Files below `directory`, keyed by their path relative to it ('/' separators). Hidden files
// and directories (".git", ".DS_Store", cfsync's own state) are never documents. Symlinks are
// followed when they stay inside the config root, and refused otherwise. Each file costs one
// stat, which gives its type, size, modification time and inode at once: the digest cache keys
// by the last three, and takes no stat of its own. (std::filesystem::directory_entry keeps only
// the type readdir gave, d_type, which tells symlinks and directories apart for free; its
// file_size() and status() would each stat again.)
class Walk {
 public:
  Walk(const fs::path& root, const yaml::Node& at, const std::string& path, Reader& reader)
      : m_root(root), m_at(at), m_path(path), m_reader(reader) {}

  std::map<std::string, WalkedFile> files(const fs::path& directory) {
    m_visited.insert(directory);
    visit(directory, "");
    return std::move(m_files);
  }
  [[nodiscard]] bool ok() const { return m_ok; }

 private:
  void visit(const fs::path& directory, const std::string& prefix) {
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with('.')) continue;
      const std::string key = prefix + name;
      fs::path target = entry.path();
      const bool symlink = entry.is_symlink(ec);
      if (symlink) {
        target = fs::weakly_canonical(entry.path(), ec);
        if (!inside_root(target)) {
          fail(key + " is a symlink that leaves the config root");
          continue;
        }
      }
      // The listing's type spares a directory the stat; a file needs it for its size, and a
      // symlink for its target's type.
      if (!symlink && entry.is_directory(ec)) {
        visit_directory(target, key);
        continue;
      }
      struct stat info {};
      if (::stat(target.c_str(), &info) != 0) continue;  // gone since it was listed, or dangling
      if (S_ISDIR(info.st_mode)) {
        visit_directory(target, key);
      } else if (S_ISREG(info.st_mode)) {
        const FileStamp stamp{
            .size = static_cast<std::uint64_t>(info.st_size),
            .mtime_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 +
                        info.st_mtim.tv_nsec,
            .inode = static_cast<std::uint64_t>(info.st_ino)};
        m_files.emplace(key, WalkedFile{target, stamp});
      }
    }
    if (ec)
      fail("cannot list " + (prefix.empty() ? std::string(".") : prefix) + ": " + ec.message());
  }

  void visit_directory(const fs::path& target, const std::string& key) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(target, ec);
    if (!ec && m_visited.insert(canonical).second) visit(target, key + "/");
  }

  bool inside_root(const fs::path& path) const {
    const auto [end, unused] =
        std::mismatch(m_root.begin(), m_root.end(), path.begin(), path.end());
    return end == m_root.end();
  }

  void fail(const std::string& message) {
    m_reader.error(m_at, m_path + ": " + message);
    m_ok = false;
  }

  fs::path m_root;
  const yaml::Node& m_at;
  std::string m_path;
  Reader& m_reader;
  std::set<fs::path> m_visited;
  std::map<std::string, WalkedFile> m_files;
  bool m_ok = true;
};

struct Declaration {
  std::string where;  // file:line:col of the documents entry
};

// One `documents:` entry: its files, filtered and checked against the API's limits.
bool read_documents(const yaml::Node& item, const std::string& path, Reader& reader, Merge& merge,
                    std::vector<DesiredDocument>& out, std::map<std::string, Declaration>& keys) {
  if (!reader.mapping(item, path, k_documents_keys) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with dir");
    return false;
  }
  const yaml::Node dir = item["dir"];
  if (!dir) {
    reader.error(item, path + ": dir is required", Problem::missing_value);
    return false;
  }
  bool valid = true;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  Metadata metadata;
  if (const yaml::Node node = item["include"]) {
    auto globs = read_globs(node, path + ".include", reader);
    valid = globs.has_value();
    include = globs.value_or(std::vector<std::string>{});
  }
  if (const yaml::Node node = item["exclude"]) {
    auto globs = read_globs(node, path + ".exclude", reader);
    valid = valid && globs.has_value();
    exclude = globs.value_or(std::vector<std::string>{});
  }
  if (const yaml::Node node = item["metadata"]) {
    auto read = read_metadata(node, path + ".metadata", reader);
    valid = valid && read.has_value();
    metadata = read.value_or(Metadata{});
  }
  auto name = reader.string(dir, path + ".dir");
  if (!name) return false;
  auto directory = resolve_reference(dir, path + ".dir", *name, reader, merge);
  if (!directory) return false;
  std::error_code ec;
  if (!fs::is_directory(*directory, ec)) {
    reader.error(dir, path + ".dir: \"" + *name + "\" is not a directory");
    return false;
  }

  merge.document_trees.push_back({*directory, include, exclude});
  Walk walk(merge.root, dir, path + ".dir", reader);
  const std::map<std::string, WalkedFile> files = walk.files(*directory);
  valid = valid && walk.ok();
  const std::string where = reader.place(item).text;
  for (const auto& [key, file] : files) {
    auto matches = [&key](const std::string& glob) { return glob_matches(glob, key); };
    if (!include.empty() && std::none_of(include.begin(), include.end(), matches)) continue;
    if (std::any_of(exclude.begin(), exclude.end(), matches)) continue;
    const std::string shown = *name + (name->ends_with('/') ? "" : "/") + key;
    if (!simdjson::validate_utf8(key.data(), key.size())) {
      reader.error(dir, path + ": the name of " + shown + " is not UTF-8");
      valid = false;
      continue;
    }
    if (utf8_characters(key) > k_max_key_characters) {
      reader.error(dir,
                   path + ": " + shown + ": its key \"" + key + "\" is longer than 128 characters");
      valid = false;
      continue;
    }
    const std::uint64_t size = file.stamp.size;
    if (size > k_max_file_bytes) {
      reader.error(dir, path + ": " + shown + " is larger than 4 MiB (" + mebibytes(size) +
                            "), the upload limit");
      valid = false;
      continue;
    }
    if (auto [it, inserted] = keys.emplace(key, Declaration{where}); !inserted) {
      reader.error(
          dir,
          path + ": the key \"" + key + "\" is declared twice: here and at " + it->second.where,
          Problem::declared_twice);
      valid = false;
      continue;
    }
    out.push_back(
        {.key = key, .file = file.path, .size = size, .stamp = file.stamp, .metadata = metadata});
  }
  return valid;
}

std::optional<DesiredInstance> read_instance(const yaml::Node& item, const std::string& path,
                                             Reader& reader, Merge& merge) {
  if (!reader.mapping(item, path, instance_keys()) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with an id");
    return std::nullopt;
  }
  DesiredInstance instance;
  bool valid = true;
  if (const yaml::Node ns = item["namespace"]) {
    auto name = reader.string(ns, path + ".namespace");
    if (name && !is_namespace_name(*name)) {
      reader.error(ns, path +
                           ".namespace: expected a namespace name (lower-case letters, digits "
                           "and inner hyphens, at most 28), got " +
                           describe(ns));
      name.reset();
    }
    valid = name.has_value();
    instance.namespace_name = name.value_or("default");
  }
  const yaml::Node id = item["id"];
  if (!id) {
    reader.error(item, path + ": id is required", Problem::missing_value);
    valid = false;
  } else {
    auto text = reader.string(id, path + ".id");
    if (text && !is_instance_id(*text)) {
      reader.error(id, path +
                           ".id: expected an instance id (lower-case letters, digits, '_' and "
                           "single inner hyphens, at most 64), got " +
                           describe(id));
      text.reset();
    }
    valid = valid && text.has_value();
    instance.id = text.value_or("");
  }
  valid =
      read_settings(item, path, reconcile::instance_schema(), reader, instance.settings) && valid;
  if (const yaml::Node prune = item["prune"]) {
    auto flag = reader.boolean(prune, path + ".prune");
    valid = valid && flag.has_value();
    instance.prune = flag.value_or(false);
  }
  if (const yaml::Node documents = item["documents"]) {
    if (!reader.sequence(documents, path + ".documents")) return std::nullopt;
    std::map<std::string, Declaration> keys;
    for (std::size_t i = 0; i < documents.size(); ++i) {
      const std::string item_at = path + ".documents[" + std::to_string(i) + "]";
      valid =
          read_documents(documents[i], item_at, reader, merge, instance.documents, keys) && valid;
    }
  }
  if (!valid) return std::nullopt;
  std::sort(instance.documents.begin(), instance.documents.end(),
            [](const DesiredDocument& a, const DesiredDocument& b) { return a.key < b.key; });
  return instance;
}

std::optional<DesiredNamespace> read_namespace(const yaml::Node& item, const std::string& path,
                                               Reader& reader) {
  if (!reader.mapping(item, path, namespace_keys()) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with a name");
    return std::nullopt;
  }
  DesiredNamespace ns;
  const yaml::Node name = item["name"];
  if (!name) {
    reader.error(item, path + ": name is required", Problem::missing_value);
    return std::nullopt;
  }
  auto text = reader.string(name, path + ".name");
  if (text && !is_namespace_name(*text)) {
    reader.error(name, path +
                           ".name: expected a namespace name (lower-case letters, digits and "
                           "inner hyphens, at most 28), got " +
                           describe(name));
    return std::nullopt;
  }
  if (!text) return std::nullopt;
  ns.name = *text;
  if (!read_settings(item, path, reconcile::namespace_schema(), reader, ns.settings)) {
    return std::nullopt;
  }
  return ns;
}

void read_namespaces(const yaml::Node& namespaces, Reader& reader, Merge& merge) {
  if (!reader.sequence(namespaces, "ai_search.namespaces")) return;
  for (std::size_t i = 0; i < namespaces.size(); ++i) {
    const yaml::Node item = namespaces[i];
    auto ns = read_namespace(item, item_path("ai_search.namespaces", i, item), reader);
    if (!ns) continue;
    if (auto [it, inserted] =
            merge.declared_at["ai_search.namespaces"].emplace(ns->name, reader.place(item));
        !inserted) {
      reader.error(item,
                   "ai_search.namespaces: \"" + ns->name + "\" is declared twice: here and at " +
                       it->second.text,
                   Problem::declared_twice);
      continue;
    }
    merge.desired.ai_search_namespaces.push_back(std::move(*ns));
  }
}

void read_ai_search(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader,
                    Merge& merge) {
  if (!reader.mapping(node, "ai_search", k_ai_search_keys) || node.is_null()) return;
  if (const yaml::Node namespaces = node["namespaces"]) read_namespaces(namespaces, reader, merge);
  const yaml::Node instances = node["instances"];
  if (!instances || !reader.sequence(instances, "ai_search.instances")) return;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const yaml::Node item = instances[i];
    std::string label = "ai_search.instances[" + std::to_string(i) + "]";
    if (item.is_map() && item["id"] && item["id"].is_scalar()) {
      const yaml::Node ns = item["namespace"];
      label = "ai_search.instances[\"" +
              (ns && ns.is_scalar() ? ns.scalar() : std::string("default")) + "/" +
              item["id"].scalar() + "\"]";
    }
    auto instance = read_instance(item, label, reader, merge);
    if (!instance) continue;
    if (auto [it, inserted] =
            merge.declared_at["ai_search.instances"].emplace(instance->label(), reader.place(item));
        !inserted) {
      reader.error(item,
                   "ai_search.instances: \"" + instance->label() +
                       "\" is declared twice: here and at " + it->second.text,
                   Problem::declared_twice);
      continue;
    }
    merge.desired.ai_search_instances.push_back(std::move(*instance));
  }
}

constexpr std::string_view k_ai_search_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "namespaces": {"type": ["array", "null"], "items": {"$ref": "#/$defs/namespace"}},
    "instances": {"type": ["array", "null"], "items": {"$ref": "#/$defs/instance"}}
  }
})json";
constexpr std::string_view k_namespace_def = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$"}
  }
})json";
constexpr std::string_view k_instance_def = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["id"],
  "properties": {
    "namespace": {"type": "string", "minLength": 1, "default": "default"},
    "id": {"type": "string", "minLength": 1},
    "documents": {
      "type": ["array", "null"],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["dir"],
        "properties": {
          "dir": {"type": "string", "minLength": 1},
          "include": {"type": "array", "items": {"type": "string"}},
          "exclude": {"type": "array", "items": {"type": "string"}},
          "metadata": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
        }
      }
    },
    "prune": {"type": "boolean", "description": "Delete uploaded items no file declares."}
  }
})json";

// The spec's schema of a setting in a JSON Schema of the configuration: "nullable" becomes a
// null type, nested objects refuse unknown keys as the reader does.
boost::json::value configuration_schema(const boost::json::value& spec) {
  boost::json::object out = spec.as_object();
  if (const boost::json::value* flag = out.if_contains("nullable")) {
    if (flag->as_bool() && out.contains("type")) {
      out["type"] = boost::json::array{out["type"], "null"};
    }
    out.erase("nullable");
  }
  if (boost::json::value* properties = out.if_contains("properties")) {
    for (auto& entry : properties->as_object()) entry.value() = configuration_schema(entry.value());
    if (!properties->as_object().empty()) out["additionalProperties"] = false;
  }
  if (boost::json::value* items = out.if_contains("items")) *items = configuration_schema(*items);
  if (boost::json::value* alternatives = out.if_contains("anyOf")) {
    for (auto& alternative : alternatives->as_array()) {
      alternative = configuration_schema(alternative);
    }
  }
  return out;
}

// The definitions of a namespace and an instance: their own keys, then the spec's settings.
const std::string& definitions() {
  static const std::string text = [] {
    auto with_settings = [](std::string_view own, const boost::json::object& settings) {
      boost::json::value definition = boost::json::parse(own);
      boost::json::object& properties = definition.as_object()["properties"].as_object();
      for (const auto& entry : settings.at("properties").as_object()) {
        properties[entry.key()] = configuration_schema(entry.value());
      }
      return definition;
    };
    const boost::json::object defs{
        {"namespace", with_settings(k_namespace_def, reconcile::namespace_schema())},
        {"instance", with_settings(k_instance_def, reconcile::instance_schema())}};
    return boost::json::serialize(defs);
  }();
  return text;
}

const std::vector<KeyTable>& ai_search_key_tables() {
  static const std::vector<KeyTable> tables = {
      {"/properties/ai_search", k_ai_search_keys},
      {"/$defs/namespace", namespace_keys()},
      {"/$defs/instance", instance_keys()},
      {"/$defs/instance/properties/documents/items", k_documents_keys},
  };
  return tables;
}

}  // namespace

// Listed in load.cpp.
std::span<const Section> ai_search_sections();

std::span<const Section> ai_search_sections() {
  static const Section sections[] = {
      {"", "ai_search", read_ai_search, ai_search_key_tables(), k_ai_search_schema, definitions()}};
  return sections;
}

}  // namespace cfsync::config
