// dlp.settings: the account-level DLP settings.
#include "config/document.hpp"
#include "reconcile/model.hpp"

#include <array>

namespace cfsync::config {

namespace {

constexpr std::array<std::string_view, 3> k_settings_keys = {"ai_context_analysis", "ocr",
                                                             "payload_logging"};
constexpr std::array<std::string_view, 3> k_payload_logging_keys = {"masking_level", "public_key",
                                                                    "public_key_file"};

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
  if (!reader.mapping(node, path, k_payload_logging_keys) || node.is_null()) return;
  if (const yaml::Node level = node["masking_level"]) {
    if (auto index =
            reader.one_of(level, join_path(path, "masking_level"), masking_level_names())) {
      out.masking_level = static_cast<MaskingLevel>(*index);
    }
  }
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
  if (!reader.mapping(node, path, k_settings_keys)) return;

  DesiredDlpSettings settings;
  if (!node.is_null()) {
    if (const yaml::Node value = node["ai_context_analysis"]) {
      settings.ai_context_analysis = reader.boolean(value, join_path(path, "ai_context_analysis"));
    }
    if (const yaml::Node value = node["ocr"]) {
      settings.ocr = reader.boolean(value, join_path(path, "ocr"));
    }
    if (const yaml::Node value = node["payload_logging"]) {
      read_payload_logging(value, join_path(path, "payload_logging"), reader, merge, settings);
    }
  }
  merge.desired.dlp_settings = std::move(settings);
}

constexpr KeyTable k_settings_tables[] = {
    {"/properties/dlp/properties/settings", k_settings_keys},
    {"/properties/dlp/properties/settings/properties/payload_logging", k_payload_logging_keys},
};

constexpr std::string_view k_settings_schema = R"json({
  "type": ["object", "null"],
  "additionalProperties": false,
  "properties": {
    "ai_context_analysis": {"type": "boolean"},
    "ocr": {"type": "boolean"},
    "payload_logging": {
      "type": ["object", "null"],
      "additionalProperties": false,
      "properties": {
        "masking_level": {"enum": ["full", "partial", "clear", "default"]},
        "public_key": {"type": ["string", "null"], "description": "Base64; \"\" or null disables payload logging."},
        "public_key_file": {"type": "string", "description": "A file holding the key, relative to this file."}
      }
    }
  }
})json";

constexpr Section k_sections[] = {
    {"dlp", "settings", read_dlp_settings, k_settings_tables, k_settings_schema, ""}};

}  // namespace

// Listed in load.cpp.
std::span<const Section> dlp_settings_sections();

std::span<const Section> dlp_settings_sections() { return k_sections; }

}  // namespace cfsync::config
