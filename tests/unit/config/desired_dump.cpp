#include "tests/unit/config/desired_dump.hpp"

#include "reconcile/digest.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <variant>

namespace cfsync::config::testing {

namespace json = boost::json;

namespace {

std::string sha256(std::string_view bytes) { return "sha256:" + sha256_hex(bytes); }

template <class T, class F>
json::value optional(const std::optional<T>& value, F&& convert) {
  if (!value) return nullptr;
  return json::value(convert(*value));
}

json::value optional(const std::optional<bool>& value) {
  return optional(value, [](bool b) { return json::value(b); });
}

json::value optional(const std::optional<int>& value) {
  return optional(value, [](int i) { return json::value(i); });
}

json::value optional(const std::optional<std::string>& value) {
  return optional(value, [](const std::string& s) { return json::value(s); });
}

template <class Item, class F>
json::value list(const std::vector<Item>& items, F&& convert) {
  json::array out;
  for (const Item& item : items) out.emplace_back(convert(item));
  return out;
}

json::value strings(const std::vector<std::string>& values) {
  return list(values, [](const std::string& value) { return json::value(value); });
}

json::value entry(const DesiredEntry& entry) {
  return json::object{
      {"name", entry.name},
      {"regex", optional(entry.regex, [](const Sensitive& s) { return sha256(s.reveal()); })},
      {"words", optional(entry.words,
                         [](const WordList& words) {
                           std::string joined;
                           for (const std::string& word : words) joined += word + '\n';
                           return json::value(sha256(joined));
                         })},
      {"enabled", entry.enabled},
      {"description", optional(entry.description)}};
}

// The settings custom and predefined profiles share.
template <class Profile>
void settings_of(const Profile& profile, json::object& out) {
  out["allowed_match_count"] = optional(profile.allowed_match_count);
  out["confidence_threshold"] = optional(profile.confidence_threshold,
                                         [](Confidence c) { return std::string(to_string(c)); });
  out["ocr_enabled"] = optional(profile.ocr_enabled);
  out["ai_context_enabled"] = optional(profile.ai_context_enabled);
}

json::value profile(const DesiredProfile& profile) {
  json::object out{{"name", profile.name}, {"description", optional(profile.description)}};
  settings_of(profile, out);
  out["data_classes"] = optional(profile.data_classes, strings);
  out["data_tags"] = optional(profile.data_tags, strings);
  out["entries"] = optional(profile.entries, [](const auto& items) { return list(items, entry); });
  out["shared_entries"] = optional(profile.shared_entries, [](const auto& items) {
    return list(items, [](const SharedEntry& e) {
      return json::object{{"entry_id", e.entry_id}, {"enabled", e.enabled}};
    });
  });
  out["sensitivity_levels"] = optional(profile.sensitivity_levels, [](const auto& items) {
    return list(items, [](const SensitivityLevel& l) {
      return json::object{{"group_id", l.group_id}, {"level_id", l.level_id}};
    });
  });
  return out;
}

json::value predefined(const DesiredPredefinedProfile& profile) {
  json::object out{{"name", profile.name}, {"id", profile.id}};
  settings_of(profile, out);
  out["entries"] = list(profile.entries, [](const DesiredEntryToggle& toggle) {
    return json::object{{"name", toggle.name}, {"enabled", toggle.enabled}};
  });
  return out;
}

json::value metadata(const Metadata& metadata) {
  json::object out;
  for (const auto& [name, value] : metadata) {
    out[name] = std::visit([](const auto& v) { return json::value(v); }, value);
  }
  return out;
}

// Each setting as the JSON it is sent as.
json::object settings(const Settings& values) {
  json::object out;
  for (const auto& [key, text] : values) out[key] = text;
  return out;
}

json::value instance(const DesiredInstance& instance, const std::filesystem::path& root) {
  json::array documents;
  for (const DesiredDocument& document : instance.documents) {
    documents.push_back(
        json::object{{"key", document.key},
                     {"file", document.file.lexically_relative(root).generic_string()},
                     {"size", document.size},
                     {"metadata", metadata(document.metadata)}});
  }
  json::object out{{"namespace", instance.namespace_name},
                   {"id", instance.id},
                   {"prune", instance.prune},
                   {"documents", documents}};
  if (!instance.settings.empty()) out["settings"] = settings(instance.settings);
  return out;
}

json::value dataset(const DesiredDataset& dataset, const std::filesystem::path& root) {
  return json::object{
      {"name", dataset.name},
      {"description", optional(dataset.description)},
      {"kind", std::string(to_string(dataset.kind))},
      {"case_sensitive", optional(dataset.case_sensitive)},
      {"file", optional(dataset.file, [&root](const DatasetFile& file) {
         json::array columns;
         for (const DatasetColumn& column : file.columns) {
           columns.push_back(json::object{
               {"name", column.name}, {"cells", column.cells}, {"bytes", column.bytes}});
         }
         return json::value(
             json::object{{"path", file.path.lexically_relative(root).generic_string()},
                          {"display", file.display},
                          {"size", file.size},
                          {"sha256", file.sha256},
                          {"cells", file.cells},
                          {"columns", columns}});
       })}};
}

// Boost 1.81 serializes on one line; goldens read better indented.
void indent(const json::value& value, std::string& out, int depth) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
  if (const json::object* object = value.if_object(); object && !object->empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : *object) {
      if (!first) out += ",\n";
      first = false;
      out += inner + json::serialize(json::string(key)) + ": ";
      indent(member, out, depth + 1);
    }
    out += "\n" + pad + "}";
    return;
  }
  if (const json::array* array = value.if_array(); array && !array->empty()) {
    out += "[\n";
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ",\n";
      out += inner;
      indent((*array)[i], out, depth + 1);
    }
    out += "\n" + pad + "]";
    return;
  }
  out += json::serialize(value);
}

}  // namespace

std::string dump_desired(const DesiredState& desired, const std::filesystem::path& root) {
  json::object out{{"account_id", desired.account_id}};
  out["dlp_settings"] = optional(desired.dlp_settings, [](const DesiredDlpSettings& settings) {
    return json::value(json::object{
        {"ai_context_analysis", optional(settings.ai_context_analysis)},
        {"ocr", optional(settings.ocr)},
        {"masking_level",
         optional(settings.masking_level,
                  [](MaskingLevel level) { return json::value(std::string(to_string(level))); })},
        {"public_key", optional(settings.public_key,
                                [](const Sensitive& key) { return sha256(key.reveal()); })}});
  });
  json::array profiles;
  for (const DesiredProfile& p : desired.profiles) profiles.push_back(profile(p));
  out["profiles"] = profiles;
  json::array predefined_profiles;
  for (const DesiredPredefinedProfile& p : desired.predefined_profiles) {
    predefined_profiles.push_back(predefined(p));
  }
  out["predefined_profiles"] = predefined_profiles;
  json::array instances;
  for (const DesiredInstance& i : desired.ai_search_instances) {
    instances.push_back(instance(i, root));
  }
  out["ai_search_instances"] = instances;
  if (!desired.ai_search_namespaces.empty()) {
    json::array namespaces;
    for (const DesiredNamespace& ns : desired.ai_search_namespaces) {
      namespaces.push_back(json::object{{"name", ns.name}, {"settings", settings(ns.settings)}});
    }
    out["ai_search_namespaces"] = namespaces;
  }
  json::array datasets;
  for (const DesiredDataset& d : desired.datasets) datasets.push_back(dataset(d, root));
  out["datasets"] = datasets;
  json::object prune{{"profiles", desired.prune.profiles}, {"datasets", desired.prune.datasets}};
  if (desired.prune.ai_search_instances) prune["ai_search_instances"] = true;
  if (desired.prune.ai_search_namespaces) prune["ai_search_namespaces"] = true;
  out["prune"] = prune;
  json::object safety;
  std::map<std::string_view, SafetyLimits> by_name;  // in name order, as the golden files
  for (const auto& [kind, limits] : desired.safety) by_name.emplace(to_string(kind), limits);
  for (const auto& [kind, limits] : by_name) {
    safety[kind] = json::object{{"max_delete_percent", limits.max_delete_percent},
                                {"max_delete_count", limits.max_delete_count},
                                {"allow_empty", limits.allow_empty}};
  }
  out["safety"] = safety;
  std::string text;
  indent(out, text, 0);
  return text + "\n";
}

}  // namespace cfsync::config::testing
