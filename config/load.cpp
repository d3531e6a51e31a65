#include "config/load.hpp"

#include "config/document.hpp"
#include "config/yaml_reader.hpp"
#include "reconcile/safety.hpp"

#include <openssl/evp.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 5> k_top_keys = {"account_id", "dlp", "ai_search", "prune",
                                                        "safety"};
constexpr std::array<std::string_view, 3> k_safety_limit_keys = {"max_delete_percent",
                                                                 "max_delete_count", "allow_empty"};
constexpr std::array<std::string_view, 4> k_dlp_keys = {"settings", "profiles",
                                                        "predefined_profiles", "datasets"};
constexpr std::array<std::string_view, 2> k_prune_keys = {"profiles", "datasets"};

bool is_account_id(std::string_view text) {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

constexpr std::string_view k_account_id_expected =
    "expected a 32-character lower-case hex account id";

void read_account_id(const YAML::Node& node, Reader& reader, Merge& merge) {
  merge.account_id_declared = true;
  auto id = reader.string(node, "account_id");
  if (!id) return;
  if (!is_account_id(*id)) {
    reader.error(node,
                 "account_id: " + std::string(k_account_id_expected) + ", got " + describe(node));
    return;
  }
  if (merge.account_id_at && merge.desired.account_id != *id) {
    reader.error(node, "account_id is declared twice with different values: here and at " +
                           merge.account_id_at->text);
    return;
  }
  merge.account_id_at = reader.place(node);
  merge.desired.account_id = std::move(*id);
}

// prune: what may be deleted. Declared once, like a singleton resource.
void read_prune(const YAML::Node& key, const YAML::Node& node, Reader& reader, Merge& merge) {
  if (merge.prune_at) {
    reader.error(key, "prune is declared twice: here and at " + merge.prune_at->text);
    return;
  }
  merge.prune_at = reader.place(key);
  if (!reader.mapping(node, "prune", k_prune_keys) || node.IsNull()) return;
  if (const YAML::Node profiles = node["profiles"]) {
    merge.desired.prune.profiles = reader.boolean(profiles, "prune.profiles").value_or(false);
  }
  if (const YAML::Node datasets = node["datasets"]) {
    merge.desired.prune.datasets = reader.boolean(datasets, "prune.datasets").value_or(false);
  }
}

// safety: per kind, how much one plan may take away (reconcile/safety.hpp). Declared once.
void read_safety(const YAML::Node& key, const YAML::Node& node, Reader& reader, Merge& merge) {
  if (merge.safety_at) {
    reader.error(key, "safety is declared twice: here and at " + merge.safety_at->text);
    return;
  }
  merge.safety_at = reader.place(key);
  const std::vector<std::string_view> kinds = reconcile::safety_kinds();
  if (!reader.mapping(node, "safety", kinds) || node.IsNull()) return;
  for (std::string_view kind : kinds) {
    const YAML::Node limits = node[std::string(kind)];
    if (!limits) continue;
    const std::string path = join_path("safety", kind);
    if (!reader.mapping(limits, path, k_safety_limit_keys) || limits.IsNull()) continue;
    SafetyLimits& out = merge.desired.safety[std::string(kind)];
    if (const YAML::Node percent = limits["max_delete_percent"]) {
      if (auto value = reader.integer(percent, join_path(path, "max_delete_percent"), 0, 100)) {
        out.max_delete_percent = *value;
      }
    }
    if (const YAML::Node count = limits["max_delete_count"]) {
      if (auto value =
              reader.integer(count, join_path(path, "max_delete_count"), 0, 1'000'000'000)) {
        out.max_delete_count = *value;
      }
    }
    if (const YAML::Node empty = limits["allow_empty"]) {
      out.allow_empty = reader.boolean(empty, join_path(path, "allow_empty")).value_or(false);
    }
  }
}

Result<std::string> read_file(const fs::path& path, const std::string& display) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorKind::io,
                 "cannot read configuration \"" + display + "\": " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return std::move(content).str();
}

struct Layout {
  std::vector<SourceFile> files;  // in the order they are merged
  fs::path root;                  // as named: the directory, or the file's directory
};

Result<Layout> list_files(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return Error(ErrorKind::io, "configuration \"" + path.string() + "\" does not exist");
  }
  if (!fs::is_directory(status)) {
    const fs::path parent = path.parent_path();
    return Layout{{{path.string(), path, 0}}, parent.empty() ? fs::path(".") : parent};
  }

  std::vector<SourceFile> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (name.starts_with('.') || (ext != ".yaml" && ext != ".yml")) continue;
    if (!entry.is_regular_file(ec)) continue;
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
  return Layout{std::move(files), path};
}

void read_yaml_file(const SourceFile& file, const std::string& text, Diagnostics& diagnostics,
                    Merge& merge) {
  Reader reader(file, diagnostics);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are 0-based; editors count from 1.
    diagnostics.add({file.index, e.mark.line, e.mark.column,
                     file.display + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1)},
                    "invalid YAML: " + e.msg);
    merge.unreadable_file = true;
    return;
  }
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

}  // namespace

void read_document(const YAML::Node& document, Reader& reader, Merge& merge) {
  if (!reader.mapping(document, "", k_top_keys) || document.IsNull()) return;
  if (const YAML::Node id = document["account_id"]) read_account_id(id, reader, merge);
  if (const YAML::Node dlp = document["dlp"]) {
    if (reader.mapping(dlp, "dlp", k_dlp_keys) && !dlp.IsNull()) {
      if (const YAML::Node settings = dlp["settings"]) {
        read_dlp_settings(key_node(dlp, "settings"), settings, reader, merge);
      }
      if (const YAML::Node profiles = dlp["profiles"]) read_dlp_profiles(profiles, reader, merge);
      if (const YAML::Node predefined = dlp["predefined_profiles"]) {
        read_dlp_predefined_profiles(predefined, reader, merge);
      }
      if (const YAML::Node datasets = dlp["datasets"]) read_dlp_datasets(datasets, reader, merge);
    }
  }
  if (const YAML::Node ai_search = document["ai_search"]) read_ai_search(ai_search, reader, merge);
  if (const YAML::Node prune = document["prune"]) {
    read_prune(key_node(document, "prune"), prune, reader, merge);
  }
  if (const YAML::Node safety = document["safety"]) {
    read_safety(key_node(document, "safety"), safety, reader, merge);
  }
}

std::optional<fs::path> resolve_reference(const YAML::Node& at, std::string_view path,
                                          const std::string& value, Reader& reader, Merge& merge) {
  if (value.empty()) {
    reader.error(at, std::string(path) + ": expected a file path, got \"\"");
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path named = reader.file().path.parent_path() / value;
  const fs::path resolved = fs::weakly_canonical(named, ec);
  if (ec) {
    reader.error(at, std::string(path) + ": cannot resolve \"" + value + "\": " + ec.message());
    return std::nullopt;
  }
  const auto [root_end, unused] =
      std::mismatch(merge.root.begin(), merge.root.end(), resolved.begin(), resolved.end());
  if (root_end != merge.root.end()) {
    reader.error(at, std::string(path) + ": \"" + value + "\" leaves the config root \"" +
                         merge.root_display + "\"");
    return std::nullopt;
  }
  merge.referenced.push_back(resolved);
  return resolved;
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

Result<Config> load(const LoadOptions& options) {
  CFSYNC_TRY(Layout layout, list_files(options.path));
  const std::vector<SourceFile>& files = layout.files;

  std::error_code ec;
  Merge merge;
  merge.root = fs::canonical(layout.root, ec);
  merge.root_display = layout.root.string();
  if (ec) {
    return Error(ErrorKind::io, "cannot resolve configuration root \"" + merge.root_display +
                                    "\": " + ec.message());
  }

  Diagnostics diagnostics;
  for (const SourceFile& file : files) {
    CFSYNC_TRY(std::string text, read_file(file.path, file.display));
    read_yaml_file(file, text, diagnostics, merge);
  }
  resolve_account_id(options, files, diagnostics, merge);

  if (!diagnostics.empty()) {
    std::vector<std::string> lines = diagnostics.lines();
    Error error(ErrorKind::config, "invalid configuration: " + std::to_string(lines.size()) +
                                       (lines.size() == 1 ? " error" : " errors"));
    error.details = std::move(lines);
    return error;
  }

  Config config;
  config.desired = std::move(merge.desired);
  config.root = std::move(merge.root);
  for (const SourceFile& file : files) config.files.push_back(file.path);
  config.files.insert(config.files.end(), merge.referenced.begin(), merge.referenced.end());
  return config;
}

}  // namespace cfsync::config
