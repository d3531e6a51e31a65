// DLP profiles: custom (create, read, replace, delete) and predefined (configure only).
// Spec: dlp-profiles-*; bodies dlp_NewCustomProfile, dlp_CustomProfileUpdate,
// dlp_PredefinedProfileUpdate, dlp_PredefinedProfileConfigUpdate, dlp_NewPredefinedProfile.
#include "tests/emulator/dlp_store.hpp"
#include "tests/emulator/envelope.hpp"
#include "tests/emulator/families.hpp"
#include "tests/emulator/json_body.hpp"

#include <array>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> k_confidences = {"low", "medium", "high", "very_high"};
constexpr std::int64_t k_max_match_count = 1000;

#define RETURN_PROBLEM(expression) \
  if (auto problem = (expression)) return problem

// dlp_EntryOfNewProfile: a regex entry (dlp_NewCustomEntry) or a word list (dlp_NewWordListEntry).
std::optional<std::string> new_entry_problem(const json::value& item, const std::string& path) {
  if (!item.is_object()) return path + " must be an object";
  const json::object& entry = item.as_object();
  RETURN_PROBLEM(check_string(entry, "name", path + ".name", false));
  RETURN_PROBLEM(check_bool(entry, "enabled", path + ".enabled", false));
  if (entry.contains("words")) {
    RETURN_PROBLEM(check_required(entry, path, {"name", "enabled", "words"}));
    RETURN_PROBLEM(check_array(entry, "words", path + ".words", false));
    for (const json::value& word : entry.at("words").as_array()) {
      if (!word.is_string()) return path + ".words must hold strings";
    }
    return std::nullopt;
  }
  RETURN_PROBLEM(check_required(entry, path, {"name", "enabled", "pattern"}));
  RETURN_PROBLEM(check_string(entry, "description", path + ".description", true));
  return dlp::pattern_problem(entry, path);
}

std::optional<std::string> shared_entries_problem(json::object& account, const json::object& body) {
  RETURN_PROBLEM(check_array(body, "shared_entries", "shared_entries", false));
  const json::value* shared = provided(body, "shared_entries");
  if (shared == nullptr) return std::nullopt;
  for (const json::value& item : shared->as_array()) {
    if (!item.is_object()) return std::string("shared_entries must hold objects");
    const json::object& ref = item.as_object();
    RETURN_PROBLEM(check_required(ref, "shared_entries[]", {"entry_id", "enabled"}));
    RETURN_PROBLEM(check_uuid(ref, "entry_id", "shared_entries[].entry_id"));
    RETURN_PROBLEM(check_bool(ref, "enabled", "shared_entries[].enabled", false));
    if (dlp::find_entry(account, ref.at("entry_id").as_string()) == nullptr) {
      return "shared_entries: entry " + std::string(ref.at("entry_id").as_string()) +
             " does not exist";
    }
  }
  return std::nullopt;
}

std::optional<std::string> levels_problem(const json::object& body) {
  RETURN_PROBLEM(check_array(body, "sensitivity_levels", "sensitivity_levels", true));
  const json::value* levels = provided(body, "sensitivity_levels");
  if (levels == nullptr) return std::nullopt;
  for (const json::value& item : levels->as_array()) {
    if (!item.is_object()) return std::string("sensitivity_levels must hold objects");
    RETURN_PROBLEM(
        check_required(item.as_object(), "sensitivity_levels[]", {"group_id", "level_id"}));
    RETURN_PROBLEM(check_uuid(item.as_object(), "group_id", "sensitivity_levels[].group_id"));
    RETURN_PROBLEM(check_uuid(item.as_object(), "level_id", "sensitivity_levels[].level_id"));
  }
  return std::nullopt;
}

// The settings custom and predefined profiles share. `nullable_count`: the update schemas let
// allowed_match_count be null.
std::optional<std::string> settings_problem(const json::object& body, bool nullable_count) {
  RETURN_PROBLEM(check_integer(body, "allowed_match_count", "allowed_match_count", 0,
                               k_max_match_count, nullable_count));
  // The request schema types confidence_threshold as a nullable string; the response enum is
  // what the API accepts.
  RETURN_PROBLEM(
      check_enum(body, "confidence_threshold", "confidence_threshold", k_confidences, true));
  RETURN_PROBLEM(check_bool(body, "ocr_enabled", "ocr_enabled", false));
  RETURN_PROBLEM(check_bool(body, "ai_context_enabled", "ai_context_enabled", false));
  RETURN_PROBLEM(check_object(body, "context_awareness", "context_awareness", false));
  if (const json::value* context = provided(body, "context_awareness")) {
    RETURN_PROBLEM(check_required(context->as_object(), "context_awareness", {"enabled", "skip"}));
    RETURN_PROBLEM(check_bool(context->as_object(), "enabled", "context_awareness.enabled", false));
    RETURN_PROBLEM(check_object(context->as_object(), "skip", "context_awareness.skip", false));
  }
  return std::nullopt;
}

std::optional<std::string> custom_profile_problem(json::object& account, const json::object& body,
                                                  bool update) {
  RETURN_PROBLEM(check_required(body, "", {"name"}));
  RETURN_PROBLEM(check_string(body, "name", "name", false));
  if (body.at("name").as_string().empty()) return std::string("name must not be empty");
  RETURN_PROBLEM(check_string(body, "description", "description", true));
  RETURN_PROBLEM(settings_problem(body, update));
  RETURN_PROBLEM(check_array(body, "entries", "entries", update));
  if (const json::value* entries = provided(body, "entries")) {
    for (std::size_t i = 0; i < entries->as_array().size(); ++i) {
      const json::value& item = entries->as_array()[i];
      const std::string path = "entries[" + std::to_string(i) + "]";
      if (update) {
        // dlp_ProfileEntryUpdate: regex entries, with entry_id for existing ones.
        if (!item.is_object() || item.as_object().contains("words")) {
          return path + " must be a regex entry";
        }
        if (item.as_object().contains("entry_id")) {
          RETURN_PROBLEM(check_uuid(item.as_object(), "entry_id", path + ".entry_id"));
        }
      }
      RETURN_PROBLEM(new_entry_problem(item, path));
    }
  }
  RETURN_PROBLEM(shared_entries_problem(account, body));
  RETURN_PROBLEM(check_uuid_array(body, "data_classes", "data_classes"));
  RETURN_PROBLEM(check_uuid_array(body, "data_tags", "data_tags"));
  return levels_problem(body);
}

json::value value_or(const json::object& body, std::string_view key, json::value fallback) {
  const json::value* value = provided(body, key);
  return value != nullptr ? *value : fallback;
}

json::object new_entry(Context& context, const json::object& item, const std::string& profile_id) {
  json::object entry{{"id", context.new_id()},        {"name", item.at("name")},
                     {"enabled", item.at("enabled")}, {"profile_id", profile_id},
                     {"created_at", context.now},     {"updated_at", context.now}};
  if (const json::value* words = item.if_contains("words")) {
    entry["type"] = "word_list";
    entry["word_list"] = json::object{{"words", *words}};
  } else {
    entry["type"] = "custom";
    entry["pattern"] = item.at("pattern");
    entry["description"] = value_or(item, "description", nullptr);
  }
  return entry;
}

// PUT's deprecated `entries`: given entries are updated or added, other own entries deleted.
void replace_entries(Context& context, const std::string& profile_id, const json::array& items) {
  json::array& all = dlp::entries(context.account);
  json::array kept;
  for (json::value& value : all) {
    const json::value* owner = value.as_object().if_contains("profile_id");
    const bool own = owner != nullptr && owner->is_string() && owner->as_string() == profile_id;
    if (!own) kept.push_back(std::move(value));
  }
  for (const json::value& value : items) {
    const json::object& item = value.as_object();
    json::object entry = new_entry(context, item, profile_id);
    if (const json::value* id = item.if_contains("entry_id")) entry["id"] = *id;
    kept.push_back(std::move(entry));
  }
  all = std::move(kept);
}

Response list(Context& context, bool custom_only) {
  json::array out;
  for (const json::value& item : dlp::profiles(context.account)) {
    const json::object& profile = item.as_object();
    if (custom_only && profile.at("type").as_string() != "custom") continue;
    out.push_back(dlp::profile_json(context.account, profile));
  }
  return success(std::move(out));
}

Response create_custom(Context& context) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = custom_profile_problem(context.account, body, false)) {
    return invalid_body(*problem);
  }
  const std::string id = context.new_id();
  json::object profile{{"id", id},
                       {"name", body.at("name")},
                       {"type", "custom"},
                       {"description", value_or(body, "description", nullptr)},
                       {"allowed_match_count", value_or(body, "allowed_match_count", 0)},
                       {"confidence_threshold", value_or(body, "confidence_threshold", "low")},
                       {"ocr_enabled", value_or(body, "ocr_enabled", false)},
                       {"ai_context_enabled", value_or(body, "ai_context_enabled", false)},
                       {"shared_entries", value_or(body, "shared_entries", json::array())},
                       {"data_classes", value_or(body, "data_classes", json::array())},
                       {"data_tags", value_or(body, "data_tags", json::array())},
                       {"sensitivity_levels", value_or(body, "sensitivity_levels", json::array())},
                       {"created_at", context.now},
                       {"updated_at", context.now}};
  if (const json::value* awareness = provided(body, "context_awareness")) {
    profile["context_awareness"] = *awareness;
  }
  if (const json::value* entries = provided(body, "entries")) {
    for (const json::value& item : entries->as_array()) {
      dlp::entries(context.account).push_back(new_entry(context, item.as_object(), id));
    }
  }
  dlp::profiles(context.account).push_back(profile);
  context.changed = true;
  return success(dlp::profile_json(context.account, profile));
}

Response get_profile(Context& context, std::string_view type) {
  const std::string& id = context.params.at("profile_id");
  json::object* profile = dlp::find_profile(context.account, id, type);
  if (profile == nullptr) return dlp::not_found("profile", id);
  return success(dlp::profile_json(context.account, *profile));
}

// PUT replaces: what the body leaves out goes back to its default, except the lists the spec
// says stay ("If omitted, existing associations are unchanged") and own entries.
Response replace_custom(Context& context) {
  const std::string& id = context.params.at("profile_id");
  json::object* stored = dlp::find_profile(context.account, id, "custom");
  if (stored == nullptr) return dlp::not_found("profile", id);
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = custom_profile_problem(context.account, body, true)) {
    return invalid_body(*problem);
  }
  json::object& profile = *stored;
  const json::object before = profile;
  profile["name"] = body.at("name");
  profile["description"] = value_or(body, "description", nullptr);
  profile["allowed_match_count"] = value_or(body, "allowed_match_count", 0);
  profile["confidence_threshold"] = value_or(body, "confidence_threshold", "low");
  profile["ocr_enabled"] = value_or(body, "ocr_enabled", false);
  profile["ai_context_enabled"] = value_or(body, "ai_context_enabled", false);
  profile["shared_entries"] = value_or(body, "shared_entries", json::array());
  for (std::string_view list : {"data_classes", "data_tags", "sensitivity_levels"}) {
    if (const json::value* value = provided(body, list)) profile[list] = *value;
  }
  if (const json::value* awareness = provided(body, "context_awareness")) {
    profile["context_awareness"] = *awareness;
  } else {
    profile.erase("context_awareness");
  }
  if (const json::value* entries = provided(body, "entries")) {
    replace_entries(context, id, entries->as_array());
  }
  if (profile != before || provided(body, "entries") != nullptr) {
    profile["updated_at"] = context.now;
    context.changed = true;
  }
  return success(dlp::profile_json(context.account, profile));
}

Response delete_custom(Context& context) {
  const std::string& id = context.params.at("profile_id");
  json::array& all = dlp::profiles(context.account);
  const auto it = std::find_if(all.begin(), all.end(), [&](const json::value& item) {
    return item.as_object().at("id").as_string() == id &&
           item.as_object().at("type").as_string() == "custom";
  });
  if (it == all.end()) return dlp::not_found("profile", id);
  all.erase(it);
  dlp::remove_owned_entries(context.account, id);
  context.changed = true;
  return success(nullptr);
}

// Predefined profiles: settings change, entries switch on and off. What the body leaves out
// stays as it is (nothing else can be replaced).
Response configure_predefined(Context& context, const std::string& id, const json::object& body,
                              bool config_shape) {
  json::object* stored = dlp::find_profile(context.account, id, "predefined");
  if (stored == nullptr) return dlp::not_found("predefined profile", id);
  if (auto problem = settings_problem(body, true)) return invalid_body(*problem);
  if (auto problem = check_array(body, "entries", "entries", false)) return invalid_body(*problem);
  if (auto problem = check_uuid_array(body, "enabled_entries", "enabled_entries")) {
    return invalid_body(*problem);
  }
  json::object& profile = *stored;
  const json::object before = profile;
  for (std::string_view key :
       {"allowed_match_count", "confidence_threshold", "ocr_enabled", "ai_context_enabled"}) {
    if (const json::value* value = provided(body, key)) profile[key] = *value;
  }
  // `entries` (deprecated): [{id, enabled}]; `enabled_entries`: exactly these are on.
  std::vector<std::pair<json::object*, bool>> switches;
  const json::value* enabled = provided(body, "enabled_entries");
  for (json::value& item : dlp::entries(context.account)) {
    json::object& entry = item.as_object();
    if (entry.at("profile_id") != json::value(id)) continue;
    if (enabled != nullptr) {
      const json::array& ids = enabled->as_array();
      switches.emplace_back(&entry, std::find(ids.begin(), ids.end(), entry.at("id")) != ids.end());
    }
  }
  if (const json::value* entries = provided(body, "entries")) {
    for (const json::value& item : entries->as_array()) {
      if (!item.is_object() || check_required(item.as_object(), "entries[]", {"id", "enabled"}) ||
          !item.as_object().at("enabled").is_bool()) {
        return invalid_body("entries[] must be objects with id and enabled");
      }
      json::object* entry =
          dlp::find_entry(context.account, item.as_object().at("id").as_string(), "predefined");
      if (entry == nullptr || entry->at("profile_id") != json::value(id)) {
        return invalid_body("entries[]: " + std::string(item.as_object().at("id").as_string()) +
                            " is not an entry of this profile");
      }
      switches.emplace_back(entry, item.as_object().at("enabled").as_bool());
    }
  }
  for (auto& [entry, on] : switches) {
    if (entry->at("enabled") != json::value(on)) context.changed = true;
    (*entry)["enabled"] = on;
  }
  context.changed = context.changed || profile != before;
  json::object shown = dlp::profile_json(context.account, profile);
  if (!config_shape) return success(std::move(shown));
  // The /config shape lists only the entries that are on.
  json::array on_entries;
  json::array on_ids;
  for (const json::value& entry : shown.at("entries").as_array()) {
    if (!entry.as_object().at("enabled").as_bool()) continue;
    on_entries.push_back(entry);
    on_ids.push_back(entry.as_object().at("id"));
  }
  shown["entries"] = std::move(on_entries);
  shown["enabled_entries"] = std::move(on_ids);
  shown.erase("type");
  return success(std::move(shown));
}

Response predefined_with_body(Context& context, const std::string& id, bool config_shape) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  return configure_predefined(context, id, std::get<json::object>(parsed), config_shape);
}

#undef RETURN_PROBLEM

}  // namespace

void init_dlp_profiles(json::object& account) { dlp::init_profiles(account); }

void add_dlp_profiles_routes(Router& router) {
  const std::string base = "/accounts/{account_id}/dlp/profiles";
  router.add("GET", base, [](Context& c) { return list(c, false); });
  router.add("GET", base + "/custom", [](Context& c) { return list(c, true); });
  router.add("POST", base + "/custom", create_custom);
  router.add("GET", base + "/custom/{profile_id}",
             [](Context& c) { return get_profile(c, "custom"); });
  router.add("PUT", base + "/custom/{profile_id}", replace_custom);
  router.add("DELETE", base + "/custom/{profile_id}", delete_custom);

  router.add("POST", base + "/predefined", [](Context& c) {
    auto parsed = object_body(c.request);
    if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
    const json::object& body = std::get<json::object>(parsed);
    if (auto problem = check_uuid(body, "profile_id", "profile_id")) return invalid_body(*problem);
    return configure_predefined(c, std::string(body.at("profile_id").as_string()), body, false);
  });
  router.add("GET", base + "/predefined/{profile_id}",
             [](Context& c) { return get_profile(c, "predefined"); });
  router.add("PUT", base + "/predefined/{profile_id}",
             [](Context& c) { return predefined_with_body(c, c.params.at("profile_id"), false); });
  router.add("DELETE", base + "/predefined/{profile_id}", [](Context& c) {
    // "a no-op as predefined profiles can't be deleted"
    const std::string& id = c.params.at("profile_id");
    if (dlp::find_profile(c.account, id, "predefined") == nullptr) {
      return dlp::not_found("predefined profile", id);
    }
    return success(nullptr);
  });
  router.add("GET", base + "/predefined/{profile_id}/config", [](Context& c) {
    const std::string& id = c.params.at("profile_id");
    return configure_predefined(c, id, json::object(), true);
  });
  for (const char* method : {"POST", "PUT"}) {
    router.add(method, base + "/predefined/{profile_id}/config",
               [](Context& c) { return predefined_with_body(c, c.params.at("profile_id"), true); });
  }
  router.add("GET", base + "/{profile_id}", [](Context& c) { return get_profile(c, {}); });
}

}  // namespace cfsync::emulator
