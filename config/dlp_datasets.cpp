// dlp.datasets: word lists and EDM files, each checked and summarised when the configuration is
// loaded, so that a malformed file stops the run before any request.
#include "config/dataset_scan_cache.hpp"
#include "config/document.hpp"

#include <array>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 6> k_dataset_keys = {"name", "description",    "kind",
                                                            "file", "case_sensitive", "secret"};

constexpr std::array<std::string_view, 2> k_kind_names = {"word_list", "edm"};

// Scans the file named at `node`: a problem with it is reported there.
std::optional<DatasetFile> read_file(const yaml::Node& node, const std::string& path,
                                     DatasetKind kind, Reader& reader, Merge& merge) {
  auto name = reader.string(node, path);
  if (!name) return std::nullopt;
  auto resolved = resolve_reference(node, path, *name, reader, merge);
  if (!resolved) return std::nullopt;
  std::error_code ec;
  if (!fs::is_regular_file(*resolved, ec)) {
    reader.error(node, path + ": \"" + *name + "\" " +
                           (fs::exists(*resolved, ec) ? "is not a file" : "does not exist"));
    return std::nullopt;
  }
  auto file = merge.dataset_scans->scan(*resolved, *name, kind);
  if (!file) {
    reader.error(node, path + ": " + file.error().message());
    return std::nullopt;
  }
  return std::move(*file);
}

std::optional<DesiredDataset> read_dataset(const yaml::Node& item, const std::string& path,
                                           Reader& reader, Merge& merge) {
  if (!reader.mapping(item, path, k_dataset_keys) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with a name");
    return std::nullopt;
  }
  DesiredDataset dataset;
  bool valid = true;
  auto required = [&](std::string_view key, std::string_view what) {
    const yaml::Node node = item[std::string(key)];
    if (!node) {
      reader.error(item,
                   path + ": " + std::string(key) + " is required (" + std::string(what) + ")",
                   Problem::missing_value);
      valid = false;
    }
    return node;
  };

  if (const yaml::Node name = required("name", "the dataset's name in the account")) {
    auto text = reader.string(name, path + ".name");
    if (text && text->empty()) {
      reader.error(name, path + ".name: must not be empty");
      text.reset();
    }
    valid = valid && text.has_value();
    if (text) dataset.name = std::move(*text);
  }
  if (const yaml::Node description = item["description"]) {
    dataset.description = description.is_null() ? std::optional<std::string>(std::string())
                                                : reader.string(description, path + ".description");
    valid = valid && dataset.description.has_value();
  }
  if (const yaml::Node secret = item["secret"]) {
    const auto value = reader.boolean(secret, path + ".secret");
    if (value == true) {
      reader.error(secret,
                   path +
                       ".secret: a secret (hashed) EDM dataset needs the Cloudflare dashboard's "
                       "encoder, which the API does not document, and cfsync will not upload "
                       "its cells in plaintext; manage this dataset in the dashboard, or remove "
                       "secret: true");
    }
    valid = valid && value == false;
  }
  std::optional<DatasetKind> kind;
  if (const yaml::Node node = required("kind", "word_list or edm")) {
    if (auto index = reader.one_of(node, path + ".kind", k_kind_names)) {
      kind = static_cast<DatasetKind>(*index);
      dataset.kind = *kind;
    }
    valid = valid && kind.has_value();
  }
  if (const yaml::Node node = item["case_sensitive"]) {
    dataset.case_sensitive = reader.boolean(node, path + ".case_sensitive");
    if (dataset.case_sensitive && kind == DatasetKind::edm) {
      reader.error(node, path + ".case_sensitive: applies to word lists only, not to edm");
      dataset.case_sensitive.reset();
    }
    valid = valid && dataset.case_sensitive.has_value();
  }
  // Without a file, the content is not managed: an adopted dataset whose data is not in git.
  if (const yaml::Node file = item["file"]) {
    if (kind) {
      auto scanned = read_file(file, path + ".file", *kind, reader, merge);
      valid = valid && scanned.has_value();
      if (scanned) dataset.file = std::move(*scanned);
    }
  }
  if (!valid) return std::nullopt;
  return dataset;
}

void read_dlp_datasets(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader,
                       Merge& merge) {
  constexpr std::string_view path = "dlp.datasets";
  if (!reader.sequence(node, path)) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const yaml::Node item = node[i];
    if (item.is_map() && item["name"] && item["name"].is_scalar() &&
        !item["name"].scalar().empty()) {
      const std::string& name = item["name"].scalar();
      auto [seen, inserted] = merge.declared_at["dlp.datasets"].emplace(name, reader.place(item));
      if (!inserted) {
        reader.error(item,
                     std::string(path) + ": \"" + name + "\" is declared twice: here and at " +
                         seen->second.text,
                     Problem::declared_twice);
        continue;
      }
    }
    auto dataset = read_dataset(item, item_path(path, i, item), reader, merge);
    if (dataset) merge.desired.datasets.push_back(std::move(*dataset));
  }
}

constexpr KeyTable k_dataset_tables[] = {{"/$defs/dataset", k_dataset_keys}};

constexpr std::string_view k_datasets_schema =
    R"json({"type": ["array", "null"], "items": {"$ref": "#/$defs/dataset"}})json";
constexpr std::string_view k_dataset_defs = R"json({
"dataset": {
  "type": "object",
  "additionalProperties": false,
  "required": ["name", "kind"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "description": {"type": ["string", "null"]},
    "kind": {"enum": ["word_list", "edm"]},
    "file": {"type": "string", "minLength": 1, "description": "UTF-8; a word list has one entry per line, an EDM file is CSV with a header row. Left out: the content is not managed (an adopted dataset), only the description and case sensitivity are."},
    "case_sensitive": {"type": "boolean", "description": "Word lists only."},
    "secret": {"const": false, "description": "Hashed (secret) datasets need the dashboard's encoder: refused."}
  }
}
})json";

constexpr Section k_sections[] = {
    {"dlp", "datasets", read_dlp_datasets, k_dataset_tables, k_datasets_schema, k_dataset_defs}};

}  // namespace

// Listed in load.cpp.
std::span<const Section> dlp_datasets_sections();

std::span<const Section> dlp_datasets_sections() { return k_sections; }

}  // namespace cfsync::config
