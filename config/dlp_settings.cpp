// dlp.settings: the account-level DLP settings.
#include "config/document.hpp"
#include "config/fields.hpp"
#include "reconcile/settings_fields.hpp"

namespace cfsync::config {

namespace {

using reconcile::k_settings_fields;

// The keys of dlp.settings and of its payload_logging: the fields of the table
// (reconcile/settings_fields.hpp), and the key's file.
const std::vector<std::string_view>& settings_keys() {
  static const std::vector<std::string_view> keys =
      keys_with_fields({}, k_settings_fields, "", {"payload_logging"});
  return keys;
}
const std::vector<std::string_view>& payload_logging_keys() {
  static const std::vector<std::string_view> keys =
      keys_with_fields({}, k_settings_fields, "payload_logging", {"public_key_file"});
  return keys;
}

constexpr std::size_t k_max_key_file_bytes = 64 * 1024;

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// The key's text is never repeated in a message: the payload-logging key is treated as secret.
std::optional<Sensitive> read_public_key(const yaml::Node& node, std::string_view path,
                                         Reader& reader) {
  if (node.is_null()) return Sensitive();  // declared empty: payload logging disabled
  auto text = reader.string(node, path, Echo::kind_only);
  if (!text) return std::nullopt;
  if (!text->empty() && !is_base64(*text)) {
    reader.error(node, std::string(path) +
                           ": expected a base64 public key, or \"\" to disable payload logging");
    return std::nullopt;
  }
  return Sensitive(std::move(*text));
}

std::optional<Sensitive> read_public_key_file(const yaml::Node& node, std::string_view path,
                                              Reader& reader, Merge& merge) {
  auto name = reader.string(node, path);
  if (!name) return std::nullopt;
  auto file = resolve_reference(node, path, *name, reader, merge);
  if (!file) return std::nullopt;
  auto content = read_bounded(*file, k_max_key_file_bytes);
  if (!content) {
    reader.error(node, std::string(path) + ": \"" + *name + "\" " + content.error().message(),
                 Problem::file);
    return std::nullopt;
  }
  std::string key = trimmed(*content);
  if (key.empty() || !is_base64(key)) {
    reader.error(node, std::string(path) + ": \"" + *name +
                           "\" does not hold a base64 public key (one line of base64 text)");
    return std::nullopt;
  }
  return Sensitive(std::move(key));
}

void read_payload_logging(const yaml::Node& node, std::string_view path, Reader& reader,
                          Merge& merge, DesiredDlpSettings& out) {
  if (!reader.mapping(node, path, payload_logging_keys()) || node.is_null()) return;
  read_fields(k_settings_fields, "payload_logging", node, path, reader, out);
  const yaml::Node key = node["public_key"];
  const yaml::Node key_file = node["public_key_file"];
  if (key && key_file) {
    reader.error(key_file, std::string(path) + ": set public_key or public_key_file, not both");
    return;
  }
  if (key) out.public_key = read_public_key(key, join_path(path, "public_key"), reader);
  if (key_file) {
    out.public_key =
        read_public_key_file(key_file, join_path(path, "public_key_file"), reader, merge);
  }
}

void read_dlp_settings(const yaml::Node& key, const yaml::Node& node, Reader& reader,
                       Merge& merge) {
  constexpr std::string_view path = "dlp.settings";
  auto& declared = merge.declared_at["dlp.settings"];
  if (const auto first = declared.find(""); first != declared.end()) {
    reader.error(key, "dlp.settings is declared twice: here and at " + first->second.text,
                 Problem::declared_twice);
    return;
  }
  declared.emplace("", reader.place(key));
  if (!reader.mapping(node, path, settings_keys())) return;

  DesiredDlpSettings settings;
  if (!node.is_null()) {
    read_fields(k_settings_fields, "", node, path, reader, settings);
    if (const yaml::Node value = node["payload_logging"]) {
      read_payload_logging(value, join_path(path, "payload_logging"), reader, merge, settings);
    }
  }
  merge.desired.dlp_settings = std::move(settings);
}

// Its scalar fields come from the table; the key, which can also be given by file, is the
// family's own.
std::string settings_schema() {
  return R"json({
  "type": ["object", "null"],
  "additionalProperties": false,
  "properties": {
)json" + field_properties(k_settings_fields, "") +
         R"json(
    "payload_logging": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
)json" + field_properties(k_settings_fields, "payload_logging") +
         R"json(
        "public_key": {"type": ["string", "null"], "description": "Base64; \"\" or null disables payload logging."},
        "public_key_file": {"type": "string", "description": "A file holding the key, relative to this file."}
      }
    }
  }
})json";
}

}  // namespace

// Listed in load.cpp.
std::span<const Section> dlp_settings_sections();

std::span<const Section> dlp_settings_sections() {
  static const KeyTable tables[] = {
      {"/properties/dlp/properties/settings", settings_keys()},
      {"/properties/dlp/properties/settings/properties/payload_logging", payload_logging_keys()},
  };
  static const std::string schema = settings_schema();
  static const Section sections[] = {{"dlp", "settings", read_dlp_settings, tables, schema, ""}};
  return sections;
}

}  // namespace cfsync::config
