// The live state as a configuration, written with yaml-cpp's emitter. Every value the planner
// compares is written, so that the configuration plans clean; what cannot be declared (dataset
// contents, items not downloaded, names held twice) is said in comments and in warnings.
#include "config/export.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/document.hpp"
#include "config/regex_check.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/profile_fields.hpp"
#include "reconcile/settings_fields.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace cfsync::config {

namespace {

// A plain scalar the configuration reader would take for something other than text.
bool reads_as_other_type(std::string_view text) {
  if (text.empty()) return true;
  const std::string folded = lower(std::string(text));
  for (std::string_view word : {"true", "false", "null", "~", "yes", "no", "on", "off"}) {
    if (folded == word) return true;
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  return ec == std::errc() && end == text.data() + text.size();
}

void text(YAML::Emitter& out, std::string_view value) {
  if (reads_as_other_type(value)) out << YAML::DoubleQuoted;
  out << std::string(value);
}

void number(YAML::Emitter& out, double value) {
  if (std::trunc(value) == value && std::abs(value) < 9.0e15) {
    out << static_cast<std::int64_t>(value);
    return;
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out << std::string(buffer, ec == std::errc() ? end : buffer);
}

template <class Value>
void field(YAML::Emitter& out, std::string_view key, const Value& value) {
  out << YAML::Key << std::string(key) << YAML::Value;
  if constexpr (std::is_same_v<Value, std::string>) {
    text(out, value);
  } else {
    out << value;
  }
}

void string_list(YAML::Emitter& out, std::string_view key, const std::vector<std::string>& list) {
  out << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq;
  for (const std::string& item : list) text(out, item);
  out << YAML::EndSeq;
}

// Names held more than once, which a configuration cannot declare.
template <class Item, class Name>
std::set<std::string> held_twice(const std::vector<Item>& items, Name name_of) {
  std::map<std::string, int> counts;
  for (const Item& item : items) ++counts[name_of(item)];
  std::set<std::string> twice;
  for (const auto& [name, count] : counts) {
    if (count > 1) twice.insert(name);
  }
  return twice;
}

// A value the API may answer (the spec bounds it only in requests) that a configuration cannot
// declare: written as a comment instead, so that the field stays as it is.
std::optional<std::string> out_of_bounds(int value,
                                         const std::optional<reconcile::Bounds>& bounds) {
  if (!bounds || (value >= bounds->min && value <= bounds->max)) return std::nullopt;
  return std::to_string(value) + " is outside " + std::to_string(bounds->min) + " to " +
         std::to_string(bounds->max);
}

void exported_value(YAML::Emitter& out, std::string_view key, bool value,
                    const std::optional<reconcile::Bounds>&) {
  field(out, key, value);
}
void exported_value(YAML::Emitter& out, std::string_view key, int value,
                    const std::optional<reconcile::Bounds>& bounds) {
  if (auto why = out_of_bounds(value, bounds)) {
    out << YAML::Comment(std::string(key) + ": not declared, so left as it is: the account's " +
                         *why);
    return;
  }
  field(out, key, value);
}
// Text: empty is not declared, as the API reads it (null).
void exported_value(YAML::Emitter& out, std::string_view key, const std::string& value,
                    const std::optional<reconcile::Bounds>&) {
  if (!value.empty()) field(out, key, value);
}
template <class Enum>
requires std::is_enum_v<Enum>
void exported_value(YAML::Emitter& out, std::string_view key, Enum value,
                    const std::optional<reconcile::Bounds>&) {
  field(out, key, std::string(to_string(value)));
}

// The fields of `table` in `group` (reconcile/fields.hpp) as `live` holds them; a Sensitive one
// is its family's to write.
template <class Table, class Live>
void exported_fields(YAML::Emitter& out, const Table& table, std::string_view group,
                     const Live& live) {
  reconcile::for_each_field(table, [&](const auto& f) {
    using T = typename std::remove_cvref_t<decltype(f)>::Type;
    if constexpr (!std::is_same_v<T, Sensitive>) {
      if (reconcile::field_group(f.path) == group) {
        exported_value(out, reconcile::field_key(f.path), live.*f.live, f.bounds);
      }
    }
  });
}

// Why each field of `live` that cannot be declared is not: "allowed_match_count 5000 is outside 0
// to 1000".
template <class Table, class Live>
std::vector<std::string> undeclarable_fields(const Table& table, const Live& live) {
  std::vector<std::string> out;
  reconcile::for_each_field(table, [&](const auto& f) {
    if constexpr (std::is_same_v<typename std::remove_cvref_t<decltype(f)>::Type, int>) {
      if (auto why = out_of_bounds(live.*f.live, f.bounds)) {
        out.push_back(std::string(f.path) + " " + *why);
      }
    }
  });
  return out;
}

void settings(YAML::Emitter& out, const LiveDlpSettings& live,
              const std::optional<std::string>& public_key_file) {
  out << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
  exported_fields(out, reconcile::k_settings_fields, "", live);
  out << YAML::Key << "payload_logging" << YAML::Value << YAML::BeginMap;
  exported_fields(out, reconcile::k_settings_fields, "payload_logging", live);
  if (live.public_key.empty()) {
    out << YAML::Key << "public_key" << YAML::Value << YAML::DoubleQuoted << "";
    out << YAML::Comment("payload logging is disabled");
  } else if (!key_exportable(live.public_key)) {
    out << YAML::Comment(
        "public_key: not declared, so left as it is: the account's key is not "
        "strict base64");
  } else if (public_key_file) {
    field(out, "public_key_file", *public_key_file);
  } else {
    out << YAML::Comment("public_key: not printed; `cfsync export --dir` writes it to a file");
  }
  out << YAML::EndMap << YAML::EndMap;
}

void entry(YAML::Emitter& out, const LiveEntry& live) {
  out << YAML::BeginMap;
  field(out, "name", live.name);
  if (live.kind == EntryKind::regex) {
    field(out, "regex", live.regex.reveal());
  } else {
    string_list(out, "words", live.words);
  }
  field(out, "enabled", live.enabled);
  if (!live.description.empty()) field(out, "description", live.description);
  out << YAML::EndMap;
}

// Why the profile's entries cannot be declared, if they cannot: an entry whose regex the
// configuration would refuse (one made before Cloudflare bounded regexes, say). The profile is
// then exported without `entries:`, which leaves them as they are, instead of as a file that
// does not load.
std::optional<std::string> undeclarable_entries(const LiveProfile& live) {
  for (const LiveEntry& item : live.entries) {
    if (item.kind != EntryKind::regex) continue;
    if (auto problem = regex_problem(item.regex.reveal())) {
      return "entry \"" + item.name + "\" has a regex cfsync refuses: it " + *problem;
    }
  }
  return std::nullopt;
}

void custom_profile(YAML::Emitter& out, const LiveProfile& live,
                    const std::map<std::string, std::string>& notes) {
  out << YAML::BeginMap;
  field(out, "name", live.name);
  exported_fields(out, reconcile::k_profile_fields, "", live);
  if (auto why = undeclarable_entries(live)) {
    out << YAML::Comment("entries: not declared, so left as they are: " + *why);
  } else {
    out << YAML::Key << "entries" << YAML::Value << YAML::BeginSeq;
    for (const LiveEntry& item : live.entries) entry(out, item);
    out << YAML::EndSeq;
  }
  out << YAML::Key << "shared_entries" << YAML::Value << YAML::BeginSeq;
  for (const SharedEntry& shared : live.shared_entries) {
    out << YAML::BeginMap;
    field(out, "entry_id", lower(shared.entry_id));
    if (const auto note = notes.find(lower(shared.entry_id)); note != notes.end()) {
      out << YAML::Comment(note->second);
    }
    field(out, "enabled", shared.enabled);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (!live.data_classes.empty()) string_list(out, "data_classes", live.data_classes);
  if (!live.data_tags.empty()) string_list(out, "data_tags", live.data_tags);
  if (!live.sensitivity_levels.empty()) {
    out << YAML::Key << "sensitivity_levels" << YAML::Value << YAML::BeginSeq;
    for (const SensitivityLevel& level : live.sensitivity_levels) {
      out << YAML::BeginMap;
      field(out, "group_id", lower(level.group_id));
      field(out, "level_id", lower(level.level_id));
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void predefined_profile(YAML::Emitter& out, const LivePredefinedProfile& live) {
  out << YAML::BeginMap;
  field(out, "name", live.name);
  field(out, "id", lower(live.id));
  exported_fields(out, reconcile::k_predefined_fields, "", live);
  out << YAML::Key << "entries" << YAML::Value << YAML::BeginSeq;
  for (const LivePredefinedEntry& item : live.entries) {
    out << YAML::BeginMap;
    field(out, "name", item.name);
    field(out, "enabled", item.enabled);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

void dataset(YAML::Emitter& out, const LiveDataset& live) {
  out << YAML::BeginMap;
  field(out, "name", live.name);
  if (live.description) field(out, "description", *live.description);
  field(out, "kind", std::string(live.multi_column() ? "edm" : "word_list"));
  if (!live.multi_column() && live.case_sensitive) {
    field(out, "case_sensitive", *live.case_sensitive);
  }
  if (live.secret) out << YAML::Comment("secret (hashed): its content stays the dashboard's");
  out << YAML::EndMap;
}

void metadata(YAML::Emitter& out, const Metadata& values) {
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, value] : values) {
    out << YAML::Key << name << YAML::Value;
    if (const auto* flag = std::get_if<bool>(&value)) {
      out << *flag;
    } else if (const auto* real = std::get_if<double>(&value)) {
      number(out, *real);
    } else {
      text(out, std::get<std::string>(value));
    }
  }
  out << YAML::EndMap;
}

// The instance's written items as documents entries: one per distinct metadata. The largest
// group takes the whole directory, less the other groups' keys, so that files added later get
// its metadata.
void documents(YAML::Emitter& out, const ExportedInstance& instance) {
  if (!instance.dir || instance.written.empty()) return;
  std::map<Metadata, std::vector<std::string>> groups;
  for (const LiveItem& item : instance.written) {
    // The attributes AI Search sets itself are not the configuration's to declare.
    Metadata declared;
    for (const auto& [key, value] : item.metadata) {
      if (!is_builtin_metadata(key)) declared.emplace(key, value);
    }
    groups[declared].push_back(item.key);
  }
  const auto largest = std::max_element(groups.begin(), groups.end(), [](auto& a, auto& b) {
    return a.second.size() < b.second.size();
  });
  out << YAML::Key << "documents" << YAML::Value << YAML::BeginSeq;
  auto keys = [&](std::string_view name, auto select) {
    out << YAML::Key << std::string(name) << YAML::Value << YAML::BeginSeq;
    for (const auto& [values, list] : groups) {
      if (!select(values)) continue;
      for (const std::string& key : list) out << glob_escaped(key);
    }
    out << YAML::EndSeq;
  };
  for (auto group = groups.begin(); group != groups.end(); ++group) {
    out << YAML::BeginMap;
    field(out, "dir", *instance.dir);
    if (group == largest && groups.size() > 1) {
      keys("exclude", [&](const Metadata& values) { return values != largest->first; });
    } else if (group != largest) {
      keys("include", [&](const Metadata& values) { return values == group->first; });
    }
    if (!group->first.empty()) metadata(out, group->first);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// A setting's JSON as YAML: mappings, lists and scalars of the same types.
void json_value(YAML::Emitter& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object:
      out << YAML::BeginMap;
      for (const auto& entry : value.as_object()) {
        out << YAML::Key << std::string(entry.key()) << YAML::Value;
        json_value(out, entry.value());
      }
      out << YAML::EndMap;
      return;
    case boost::json::kind::array:
      out << YAML::Flow << YAML::BeginSeq;
      for (const boost::json::value& item : value.as_array()) json_value(out, item);
      out << YAML::EndSeq;
      return;
    case boost::json::kind::string:
      out << YAML::DoubleQuoted << std::string(value.as_string());
      return;
    case boost::json::kind::null:
      out << YAML::Null;
      return;
    default:  // booleans and numbers read the same in YAML
      out << boost::json::serialize(value);
      return;
  }
}

// The settings the API answered, but those that are null (not set) and, for `skip`, those a
// declaration may not change.
void settings(YAML::Emitter& out, const Settings& values, std::string_view skip = {}) {
  for (const auto& [key, text] : values) {
    const boost::json::value value = boost::json::parse(text);
    if (value.is_null() || key == skip) continue;
    out << YAML::Key << key << YAML::Value;
    json_value(out, value);
  }
}

void ai_search(YAML::Emitter& out, const std::vector<LiveNamespace>& namespaces,
               const std::vector<ExportedInstance>& instances) {
  out << YAML::Key << "ai_search" << YAML::Value << YAML::BeginMap;
  if (!namespaces.empty()) {
    out << YAML::Key << "namespaces" << YAML::Value << YAML::BeginSeq;
    for (const LiveNamespace& ns : namespaces) {
      out << YAML::BeginMap;
      field(out, "name", ns.name);
      // The default namespace's description cannot be changed: it is not declared.
      settings(out, ns.settings, ns.name == "default" ? "description" : "");
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "instances" << YAML::Value << YAML::BeginSeq;
  for (const ExportedInstance& instance : instances) {
    out << YAML::BeginMap;
    field(out, "namespace", instance.namespace_name);
    field(out, "id", instance.id);
    settings(out, instance.settings);
    documents(out, instance);
    // Every item declared: the instance is mirrored, and an item no file declares is deleted.
    // Items that are not declared (no --with-documents) stay.
    field(out, "prune", instance.dir.has_value() && instance.skipped.empty());
    if (!instance.skipped.empty()) {
      out << YAML::Comment(std::to_string(instance.skipped.size()) +
                           " items not written: prune is off so that they stay");
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

// `key:` and one element per item, written by `write`; nothing when there are none.
template <class Item, class Write>
void sequence(YAML::Emitter& out, std::string_view key, const std::vector<const Item*>& items,
              Write write) {
  if (items.empty()) return;
  out << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq;
  for (const Item* item : items) write(out, *item);
  out << YAML::EndSeq;
}

// What a configuration can declare: names it can match by, once. The rest is a warning.
std::vector<const LiveProfile*> declarable_custom(const std::vector<LiveProfile>& profiles,
                                                  std::vector<std::string>& warnings) {
  const auto twice = held_twice(profiles, [](const LiveProfile& p) { return p.name; });
  std::vector<const LiveProfile*> out;
  for (const LiveProfile& profile : profiles) {
    const bool entries_twice =
        !held_twice(profile.entries, [](const LiveEntry& e) { return e.name; }).empty();
    if (twice.contains(profile.name) || entries_twice) {
      warnings.push_back("custom profile \"" + profile.name + "\" (id " + profile.id +
                         ") not exported: " +
                         (entries_twice ? "two of its entries have the same name"
                                        : "another profile has the same name") +
                         "; rename one in the dashboard");
      continue;
    }
    if (auto why = undeclarable_entries(profile)) {
      warnings.push_back("custom profile \"" + profile.name +
                         "\": its entries are not declared (so left as they are): " + *why);
    }
    out.push_back(&profile);
  }
  return out;
}

std::vector<const LivePredefinedProfile*> declarable_predefined(
    const std::vector<LivePredefinedProfile>& profiles, std::vector<std::string>& warnings) {
  std::vector<const LivePredefinedProfile*> out;
  for (const LivePredefinedProfile& profile : profiles) {
    if (!held_twice(profile.entries, [](const LivePredefinedEntry& e) { return e.name; }).empty()) {
      warnings.push_back("predefined profile \"" + profile.name +
                         "\" not exported: two of its entries have the same name");
      continue;
    }
    out.push_back(&profile);
  }
  return out;
}

std::vector<const LiveDataset*> declarable_datasets(const std::vector<LiveDataset>& datasets,
                                                    std::vector<std::string>& warnings) {
  const auto twice = held_twice(datasets, [](const LiveDataset& d) { return d.name; });
  std::vector<const LiveDataset*> out;
  for (const LiveDataset& item : datasets) {
    if (twice.contains(item.name)) {
      warnings.push_back("dataset \"" + item.name + "\" (id " + item.id +
                         ") not exported: another dataset has the same name; rename one in the "
                         "dashboard");
      continue;
    }
    out.push_back(&item);
  }
  return out;
}

}  // namespace

bool key_exportable(const Sensitive& key) { return is_base64(key.reveal()); }

std::optional<std::string> document_key_problem(std::string_view key) {
  if (key.empty()) return "the key is empty";
  if (key.front() == '/') return "the key is an absolute path";
  if (key.find('\0') != std::string_view::npos) return "the key holds a NUL byte";
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty()) return "the key has an empty path segment";
    if (segment == "." || segment == "..") return "the key has a . or .. segment";
    if (segment.front() == '.') return "the key names a hidden file, which documents never are";
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

std::string glob_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Exported render_export(const ExportInput& input) {
  Exported exported;
  const LiveState& live = input.live;
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::Comment(
      "Exported by `cfsync export` from account " + input.account_id +
      ": planned against it,\nthis configuration changes nothing.\n"
      "- Datasets: their settings only, as the API cannot download their content; give one a\n"
      "  file: to manage its content too.\n"
      "- prune is off: nothing this file leaves out is deleted until you turn it on.");
  out << YAML::BeginMap;
  field(out, "account_id", input.account_id);

  // Odd values the API may answer are left out of the configuration, and said.
  if (live.dlp_settings && !live.dlp_settings->public_key.empty() &&
      !key_exportable(live.dlp_settings->public_key)) {
    exported.warnings.push_back(
        "dlp settings: the payload-logging key is not strict base64, so it is not declared (it "
        "stays as it is)");
  }
  if (live.profiles) {
    auto odd = [&](const std::string& what, const std::vector<std::string>& fields) {
      for (const std::string& why : fields) {
        exported.warnings.push_back(what + ": " + why +
                                    ", so it is not declared (it stays as it is)");
      }
    };
    for (const LiveProfile& p : live.profiles->custom) {
      odd("custom profile \"" + p.name + "\"", undeclarable_fields(reconcile::k_profile_fields, p));
    }
    for (const LivePredefinedProfile& p : live.profiles->predefined) {
      odd("predefined profile \"" + p.name + "\"",
          undeclarable_fields(reconcile::k_predefined_fields, p));
    }
  }

  if (live.dlp_settings || live.profiles || live.datasets) {
    out << YAML::Key << "dlp" << YAML::Value << YAML::BeginMap;
    if (live.dlp_settings) settings(out, *live.dlp_settings, input.public_key_file);
    if (live.profiles) {
      const auto notes = reconcile::entry_notes(live);
      sequence(out, "profiles", declarable_custom(live.profiles->custom, exported.warnings),
               [&](YAML::Emitter& emitter, const LiveProfile& profile) {
                 custom_profile(emitter, profile, notes);
               });
      sequence(out, "predefined_profiles",
               declarable_predefined(live.profiles->predefined, exported.warnings),
               predefined_profile);
    }
    if (live.datasets) {
      sequence(out, "datasets", declarable_datasets(live.datasets->datasets, exported.warnings),
               dataset);
    }
    out << YAML::EndMap;
  }

  std::vector<ExportedInstance> declared;
  for (const ExportedInstance& instance : input.instances) {
    const std::string label = instance.namespace_name + "/" + instance.id;
    for (const std::string& skipped : instance.skipped) {
      exported.warnings.push_back("AI Search instance " + label + ": item " + skipped);
    }
    declared.push_back(instance);
    if (!instance.dir && instance.items > 0) {
      exported.warnings.push_back("AI Search instance " + label + " holds " +
                                  std::to_string(instance.items) +
                                  (instance.items == 1 ? " uploaded item" : " uploaded items") +
                                  ", not declared: `cfsync export --dir DIR --with-documents` "
                                  "downloads and declares them");
    }
  }
  if (!declared.empty() || !input.namespaces.empty()) ai_search(out, input.namespaces, declared);

  // Deleting what the configuration does not declare stays off until the user says otherwise.
  out << YAML::Key << "prune" << YAML::Value << YAML::BeginMap;
  field(out, "profiles", false);
  field(out, "datasets", false);
  field(out, "ai_search_instances", false);
  field(out, "ai_search_namespaces", false);
  out << YAML::EndMap;
  out << YAML::EndMap;
  exported.yaml = std::string(out.c_str()) + "\n";
  return exported;
}

}  // namespace cfsync::config
