// dlp.profiles (custom profiles and their entries) and dlp.predefined_profiles.
#include "config/document.hpp"
#include "config/fields.hpp"
#include "config/regex_check.hpp"
#include "reconcile/profile_fields.hpp"

#include <array>
#include <map>

namespace cfsync::config {

namespace {

constexpr std::array<std::string_view, 5> k_entry_keys = {"name", "regex", "words", "enabled",
                                                          "description"};
constexpr std::array<std::string_view, 2> k_shared_entry_keys = {"entry_id", "enabled"};
constexpr std::array<std::string_view, 2> k_level_keys = {"group_id", "level_id"};
constexpr std::array<std::string_view, 2> k_toggle_keys = {"name", "enabled"};

// A profile's keys: its name (and id), its scalar fields (reconcile/profile_fields.hpp), its lists.
const std::vector<std::string_view>& profile_keys() {
  static const std::vector<std::string_view> keys = keys_with_fields(
      {"name"}, reconcile::k_profile_fields, "",
      {"entries", "shared_entries", "data_classes", "data_tags", "sensitivity_levels"});
  return keys;
}
const std::vector<std::string_view>& predefined_keys() {
  static const std::vector<std::string_view> keys =
      keys_with_fields({"name", "id"}, reconcile::k_predefined_fields, "", {"entries"});
  return keys;
}

// The item's name, required and not empty.
std::optional<std::string> required_name(const yaml::Node& item, std::string_view path,
                                         Reader& reader) {
  const yaml::Node name = item["name"];
  if (!name) {
    reader.error(item, std::string(path) + ": name is required", Problem::missing_value);
    return std::nullopt;
  }
  auto text = reader.string(name, join_path(path, "name"));
  if (text && text->empty()) {
    reader.error(name, join_path(path, "name") + ": must not be empty");
    return std::nullopt;
  }
  return text;
}

// The item's name when it has a readable one, for duplicate checks that do not depend on whether
// the rest of the item is valid.
std::optional<std::string> name_of(const yaml::Node& item, std::string_view key = "name") {
  if (!item.is_map()) return std::nullopt;
  const yaml::Node name = item[std::string(key)];
  if (!name || !name.is_scalar() || name.scalar().empty()) return std::nullopt;
  return name.scalar();
}

// Reports a name seen before in the list at `list`; true when it is new.
bool first_time(std::map<std::string, Place>& seen, const std::string& name, const yaml::Node& at,
                std::string_view list, Reader& reader) {
  auto [it, inserted] = seen.emplace(name, reader.place(at));
  if (!inserted) {
    reader.error(
        at,
        std::string(list) + ": \"" + name + "\" is declared twice: here and at " + it->second.text,
        Problem::declared_twice);
  }
  return inserted;
}

std::optional<std::string> description_of(const yaml::Node& node, std::string_view path,
                                          Reader& reader) {
  if (node.is_null()) return std::string();  // declared empty
  return reader.string(node, path);
}

// Words are masked in plans: no error repeats one.
std::optional<WordList> read_words(const yaml::Node& node, std::string_view path, Reader& reader) {
  if (!reader.sequence(node, path, Echo::kind_only)) return std::nullopt;
  std::vector<std::string> words;
  bool valid = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string word_path = std::string(path) + "[" + std::to_string(i) + "]";
    auto word = reader.string(node[i], word_path, Echo::kind_only);
    if (word && word->empty()) {
      reader.error(node[i], word_path + ": must not be empty");
      word.reset();
    }
    valid = valid && word.has_value();
    if (word) words.push_back(std::move(*word));
  }
  if (valid && words.empty()) {
    reader.error(node, std::string(path) + ": expected at least one word");
    return std::nullopt;
  }
  if (!valid) return std::nullopt;
  return make_word_list(std::move(words));
}

std::optional<DesiredEntry> read_entry(const yaml::Node& item, const std::string& path,
                                       Reader& reader) {
  if (!reader.mapping(item, path, k_entry_keys) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with name and regex");
    return std::nullopt;
  }
  auto name = required_name(item, path, reader);
  DesiredEntry entry;
  bool valid = name.has_value();
  if (name) entry.name = *name;

  const yaml::Node regex = item["regex"];
  const yaml::Node words = item["words"];
  if (regex && words) {
    reader.error(words, path + ": set regex or words, not both");
    valid = false;
  } else if (!regex && !words) {
    reader.error(item, path + ": set regex (a pattern) or words (a list)");
    valid = false;
  } else if (regex) {
    auto pattern = reader.string(regex, path + ".regex", Echo::kind_only);
    if (pattern) {
      if (auto problem = regex_problem(*pattern)) {
        reader.error(regex, path + ".regex: " + *problem);
        pattern.reset();
      }
    }
    valid = valid && pattern.has_value();
    if (pattern) entry.regex = Sensitive(std::move(*pattern));
  } else {
    entry.words = read_words(words, path + ".words", reader);
    valid = valid && entry.words.has_value();
  }
  if (const yaml::Node enabled = item["enabled"]) {
    auto value = reader.boolean(enabled, path + ".enabled");
    valid = valid && value.has_value();
    entry.enabled = value.value_or(true);
  }
  if (const yaml::Node description = item["description"]) {
    entry.description = description_of(description, path + ".description", reader);
    valid = valid && entry.description.has_value();
  }
  if (!valid) return std::nullopt;
  return entry;
}

// A sequence read item by item with `read_item(item, index)`: valid only when every item is, and
// every item is read, so that each problem is reported.
template <class T, class ReadItem>
std::optional<std::vector<T>> read_list(const yaml::Node& node, const std::string& path,
                                        Reader& reader, ReadItem read_item) {
  if (!reader.sequence(node, path)) return std::nullopt;
  std::vector<T> out;
  bool valid = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::optional<T> item = read_item(node[i], i);
    valid = valid && item.has_value();
    if (item) out.push_back(std::move(*item));
  }
  if (!valid) return std::nullopt;
  return out;
}

// "path[3]".
std::string at_index(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::optional<std::vector<DesiredEntry>> read_entries(const yaml::Node& node,
                                                      const std::string& path, Reader& reader) {
  std::map<std::string, Place> names;
  return read_list<DesiredEntry>(node, path, reader, [&](const yaml::Node& item, std::size_t i) {
    auto entry = read_entry(item, item_path(path, i, item), reader);
    const auto name = name_of(item);
    if (name && !first_time(names, *name, item, path, reader)) entry.reset();
    return entry;
  });
}

std::optional<std::vector<SharedEntry>> read_shared_entries(const yaml::Node& node,
                                                            const std::string& path,
                                                            Reader& reader) {
  std::map<std::string, Place> ids;
  auto entries = read_list<SharedEntry>(
      node, path, reader, [&](const yaml::Node& item, std::size_t i) -> std::optional<SharedEntry> {
        const std::string item_at = at_index(path, i);
        if (!reader.mapping(item, item_at, k_shared_entry_keys) || item.is_null()) {
          if (item.is_null()) reader.error(item, item_at + ": expected a mapping with entry_id");
          return std::nullopt;
        }
        const yaml::Node id = item["entry_id"];
        if (!id) {
          reader.error(item, item_at + ": entry_id is required", Problem::missing_value);
          return std::nullopt;
        }
        SharedEntry entry;
        auto uuid = reader.uuid(id, item_at + ".entry_id");
        std::optional<bool> enabled = true;
        if (const yaml::Node value = item["enabled"]) {
          enabled = reader.boolean(value, item_at + ".enabled");
        }
        if (!uuid || !first_time(ids, *uuid, id, path, reader) || !enabled) return std::nullopt;
        entry.entry_id = std::move(*uuid);
        entry.enabled = *enabled;
        return entry;
      });
  if (entries) std::sort(entries->begin(), entries->end());
  return entries;
}

std::optional<std::vector<std::string>> read_uuids(const yaml::Node& node, const std::string& path,
                                                   Reader& reader) {
  auto ids = read_list<std::string>(node, path, reader, [&](const yaml::Node& item, std::size_t i) {
    return reader.uuid(item, at_index(path, i));
  });
  if (!ids) return ids;
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  return ids;
}

std::optional<std::vector<SensitivityLevel>> read_levels(const yaml::Node& node,
                                                         const std::string& path, Reader& reader) {
  auto levels = read_list<SensitivityLevel>(
      node, path, reader,
      [&](const yaml::Node& item, std::size_t i) -> std::optional<SensitivityLevel> {
        const std::string item_at = at_index(path, i);
        if (!reader.mapping(item, item_at, k_level_keys) || item.is_null() || !item["group_id"] ||
            !item["level_id"]) {
          if (item.is_map() || item.is_null()) {
            reader.error(item, item_at + ": group_id and level_id are required");
          }
          return std::nullopt;
        }
        auto group = reader.uuid(item["group_id"], item_at + ".group_id");
        auto level = reader.uuid(item["level_id"], item_at + ".level_id");
        if (!group || !level) return std::nullopt;
        return SensitivityLevel{std::move(*group), std::move(*level)};
      });
  if (!levels) return levels;
  std::sort(levels->begin(), levels->end());
  levels->erase(std::unique(levels->begin(), levels->end()), levels->end());
  return levels;
}

// Reads item[key] with `read` when it is there; a failed read makes the item invalid.
template <class T, class Read>
void read_field(const yaml::Node& item, std::string_view key, const std::string& path,
                std::optional<T>& out, bool& valid, Read read) {
  if (const yaml::Node node = item[std::string(key)]) {
    out = read(node, path + "." + std::string(key));
    valid = valid && out.has_value();
  }
}

std::optional<DesiredProfile> read_profile(const yaml::Node& item, const std::string& path,
                                           Reader& reader) {
  if (!reader.mapping(item, path, profile_keys()) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with a name");
    return std::nullopt;
  }
  DesiredProfile profile;
  auto name = required_name(item, path, reader);
  bool valid = name.has_value();
  if (name) profile.name = *name;

  valid = read_fields(reconcile::k_profile_fields, "", item, path, reader, profile) && valid;

  // Each reader takes the node and its path, and reports its own problems.
  auto with_reader = [&reader](auto read) {
    return [&reader, read](const yaml::Node& node, const std::string& at) {
      return read(node, at, reader);
    };
  };
  read_field(item, "entries", path, profile.entries, valid, with_reader(read_entries));
  read_field(item, "shared_entries", path, profile.shared_entries, valid,
             with_reader(read_shared_entries));
  read_field(item, "data_classes", path, profile.data_classes, valid, with_reader(read_uuids));
  read_field(item, "data_tags", path, profile.data_tags, valid, with_reader(read_uuids));
  read_field(item, "sensitivity_levels", path, profile.sensitivity_levels, valid,
             with_reader(read_levels));
  if (!valid) return std::nullopt;
  return profile;
}

std::optional<std::vector<DesiredEntryToggle>> read_toggles(const yaml::Node& node,
                                                            const std::string& path,
                                                            Reader& reader) {
  std::map<std::string, Place> names;
  return read_list<DesiredEntryToggle>(
      node, path, reader,
      [&](const yaml::Node& item, std::size_t i) -> std::optional<DesiredEntryToggle> {
        const std::string item_at = item_path(path, i, item);
        if (!reader.mapping(item, item_at, k_toggle_keys) || item.is_null()) {
          if (item.is_null()) {
            reader.error(item, item_at + ": expected a mapping with name and enabled");
          }
          return std::nullopt;
        }
        auto name = required_name(item, item_at, reader);
        const yaml::Node enabled = item["enabled"];
        if (!enabled) reader.error(item, item_at + ": enabled is required", Problem::missing_value);
        auto value = enabled ? reader.boolean(enabled, item_at + ".enabled") : std::nullopt;
        const bool unique = !name || first_time(names, *name, item, path, reader);
        if (!name || !value || !unique) return std::nullopt;
        return DesiredEntryToggle{std::move(*name), *value};
      });
}

std::optional<DesiredPredefinedProfile> read_predefined(const yaml::Node& item,
                                                        const std::string& path, Reader& reader) {
  if (!reader.mapping(item, path, predefined_keys()) || item.is_null()) {
    if (item.is_null()) reader.error(item, path + ": expected a mapping with a name or an id");
    return std::nullopt;
  }
  DesiredPredefinedProfile profile;
  bool valid = true;
  if (const yaml::Node id = item["id"]) {
    auto uuid = reader.uuid(id, path + ".id");
    valid = uuid.has_value();
    profile.id = uuid.value_or("");
  }
  if (const yaml::Node name = item["name"]) {
    auto text = reader.string(name, path + ".name");
    valid = valid && text.has_value();
    profile.name = text.value_or("");
  }
  if (!item["id"] && !item["name"]) {
    reader.error(item, path + ": name or id is required", Problem::missing_value);
    valid = false;
  }
  valid = read_fields(reconcile::k_predefined_fields, "", item, path, reader, profile) && valid;
  if (const yaml::Node entries = item["entries"]) {
    auto toggles = read_toggles(entries, path + ".entries", reader);
    valid = valid && toggles.has_value();
    if (toggles) profile.entries = std::move(*toggles);
  }
  if (!valid) return std::nullopt;
  return profile;
}

void read_dlp_profiles(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader,
                       Merge& merge) {
  constexpr std::string_view path = "dlp.profiles";
  if (!reader.sequence(node, path)) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const yaml::Node item = node[i];
    auto profile = read_profile(item, item_path(path, i, item), reader);
    const auto name = name_of(item);
    if (name && !first_time(merge.declared_at["dlp.profiles"], *name, item, path, reader)) continue;
    if (profile) merge.desired.profiles.push_back(std::move(*profile));
  }
}

void read_dlp_predefined_profiles(const yaml::Node& /*key*/, const yaml::Node& node, Reader& reader,
                                  Merge& merge) {
  constexpr std::string_view path = "dlp.predefined_profiles";
  if (!reader.sequence(node, path)) return;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const yaml::Node item = node[i];
    const std::string item_at =
        item_path(path, i, item, item.is_map() && item["id"] ? "id" : "name");
    auto profile = read_predefined(item, item_at, reader);
    const auto identity = name_of(item, item.is_map() && item["id"] ? "id" : "name");
    if (identity &&
        !first_time(merge.declared_at["dlp.predefined_profiles"], *identity, item, path, reader)) {
      continue;
    }
    if (profile) merge.desired.predefined_profiles.push_back(std::move(*profile));
  }
}

constexpr std::string_view k_profiles_schema =
    R"json({"type": ["array", "null"], "items": {"$ref": "#/$defs/profile"}})json";
constexpr std::string_view k_predefined_schema =
    R"json({"type": ["array", "null"], "items": {"$ref": "#/$defs/predefined_profile"}})json";

// The definitions of a profile and a predefined profile; their scalar fields come from their
// field tables.
std::string profile_defs() {
  return R"json({
"profile": {
  "type": "object",
  "additionalProperties": false,
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
)json" + field_properties(reconcile::k_profile_fields, "") +
         R"json(
    "entries": {
      "type": ["array", "null"],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
          "name": {"type": "string", "minLength": 1},
          "regex": {"type": "string", "minLength": 1},
          "words": {"type": "array", "items": {"type": "string"}},
          "enabled": {"type": "boolean"},
          "description": {"type": ["string", "null"]}
        },
        "oneOf": [{"required": ["regex"]}, {"required": ["words"]}]
      }
    },
    "shared_entries": {
      "type": ["array", "null"],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["entry_id"],
        "properties": {"entry_id": {"$ref": "#/$defs/uuid"}, "enabled": {"type": "boolean"}}
      }
    },
    "data_classes": {"type": ["array", "null"], "items": {"$ref": "#/$defs/uuid"}},
    "data_tags": {"type": ["array", "null"], "items": {"$ref": "#/$defs/uuid"}},
    "sensitivity_levels": {
      "type": ["array", "null"],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["group_id", "level_id"],
        "properties": {"group_id": {"$ref": "#/$defs/uuid"}, "level_id": {"$ref": "#/$defs/uuid"}}
      }
    }
  }
}
})json";
}

std::string predefined_defs() {
  return R"json({
"predefined_profile": {
  "type": "object",
  "additionalProperties": false,
  "anyOf": [{"required": ["name"]}, {"required": ["id"]}],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "id": {"$ref": "#/$defs/uuid"},
)json" + field_properties(reconcile::k_predefined_fields, "") +
         R"json(
    "entries": {
      "type": ["array", "null"],
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "enabled"],
        "properties": {"name": {"type": "string", "minLength": 1}, "enabled": {"type": "boolean"}}
      }
    }
  }
}
})json";
}

}  // namespace

// Listed in load.cpp.
std::span<const Section> dlp_profiles_sections();

std::span<const Section> dlp_profiles_sections() {
  static const KeyTable profile_tables[] = {
      {"/$defs/profile", profile_keys()},
      {"/$defs/profile/properties/entries/items", k_entry_keys},
      {"/$defs/profile/properties/shared_entries/items", k_shared_entry_keys},
      {"/$defs/profile/properties/sensitivity_levels/items", k_level_keys},
  };
  static const KeyTable predefined_tables[] = {
      {"/$defs/predefined_profile", predefined_keys()},
      {"/$defs/predefined_profile/properties/entries/items", k_toggle_keys},
  };
  static const std::string profile_schema = profile_defs();
  static const std::string predefined_schema = predefined_defs();
  static const Section sections[] = {
      {"dlp", "profiles", read_dlp_profiles, profile_tables, k_profiles_schema, profile_schema},
      {"dlp", "predefined_profiles", read_dlp_predefined_profiles, predefined_tables,
       k_predefined_schema, predefined_schema},
  };
  return sections;
}

}  // namespace cfsync::config
