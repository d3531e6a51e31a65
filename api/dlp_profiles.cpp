#include "api/dlp_profiles.hpp"

#include "api/json_read.hpp"
#include "api/json_write.hpp"
#include "reconcile/profile_fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>

namespace cfsync::api {

namespace {

namespace dom = simdjson::dom;
namespace json = boost::json;

// ---- reading ----

Result<Confidence> confidence_member(dom::object object, std::string_view where) {
  CFSYNC_TRY(auto text, optional_string_member(object, "confidence_threshold", where));
  if (!text) return Confidence::low;  // the spec's default
  auto confidence = parse_confidence(*text);
  if (!confidence) {
    return unexpected(std::string(where) + ".confidence_threshold \"" + *text +
                      "\" is not a known level");
  }
  return *confidence;
}

// `word_list` is untyped in the spec: a list of words, or an object holding one.
Result<WordList> read_word_list(dom::object entry, std::string_view where) {
  dom::element value;
  if (entry["word_list"].get(value) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + ".word_list is missing");
  }
  dom::object holder;
  if (value.get_object().get(holder) == simdjson::SUCCESS) {
    CFSYNC_TRY(auto words, string_array_member(holder, "words", std::string(where) + ".word_list"));
    return make_word_list(std::move(words));
  }
  CFSYNC_TRY(auto words, string_array_member(entry, "word_list", where));
  return make_word_list(std::move(words));
}

// An entry listed in a custom profile: its own regex ("custom") or word list, else one of a kind
// cfsync does not manage, kept apart so that no entry of its name is created beside it.
Result<void> read_entry_into(dom::object object, std::string_view where, LiveProfile& profile) {
  CFSYNC_TRY(auto type, optional_string_member(object, "type", where));
  // Without a type, a pattern still says what the entry is.
  const bool has_pattern = object["pattern"].error() == simdjson::SUCCESS;
  const bool regex = type ? *type == "custom" : has_pattern;
  const bool words = type == "word_list";
  if (!regex && !words) {
    LiveOther other{.type = type.value_or("")};
    CFSYNC_TRY(auto id, optional_string_member(object, "id", where));
    CFSYNC_TRY(auto name, optional_string_member(object, "name", where));
    other.id = id.value_or("");
    other.name = name.value_or("");
    profile.other_entries.push_back(std::move(other));
    return {};
  }

  LiveEntry entry;
  CFSYNC_TRY(entry.id, string_member(object, "id", where));
  CFSYNC_TRY(entry.name, string_member(object, "name", where));
  CFSYNC_TRY(entry.enabled, optional_bool_member(object, "enabled", where, true));
  CFSYNC_TRY(auto description, optional_string_member(object, "description", where));
  entry.description = description.value_or("");
  if (words) {
    entry.kind = EntryKind::words;
    CFSYNC_TRY(entry.words, read_word_list(object, where));
    profile.entries.push_back(std::move(entry));
    return {};
  }
  dom::object pattern;
  if (object["pattern"].get_object().get(pattern) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + ".pattern is missing or not an object");
  }
  CFSYNC_TRY(auto text, string_member(pattern, "regex", std::string(where) + ".pattern"));
  entry.regex = Sensitive(std::move(text));
  CFSYNC_TRY(entry.validation,
             optional_string_member(pattern, "validation", std::string(where) + ".pattern"));
  profile.entries.push_back(std::move(entry));
  return {};
}

// The shared entries, and the names the API gives them (for plans, which name them by id).
Result<void> read_shared_entries(dom::object object, std::string_view where, LiveProfile& profile) {
  CFSYNC_TRY(auto entries, object_array_member(object, "shared_entries", where));
  const std::string at = std::string(where) + ".shared_entries[]";
  for (dom::object entry : entries) {
    SharedEntry shared;
    CFSYNC_TRY(shared.entry_id, string_member(entry, "id", at));
    CFSYNC_TRY(shared.enabled, optional_bool_member(entry, "enabled", at, true));
    CFSYNC_TRY(auto name, optional_string_member(entry, "name", at));
    if (name && !name->empty()) profile.shared_entry_names[shared.entry_id] = *name;
    profile.shared_entries.push_back(std::move(shared));
  }
  return {};
}

Result<std::vector<SensitivityLevel>> read_levels(dom::object profile, std::string_view where) {
  std::vector<SensitivityLevel> out;
  CFSYNC_TRY(auto levels, object_array_member(profile, "sensitivity_levels", where));
  const std::string at = std::string(where) + ".sensitivity_levels[]";
  for (dom::object level : levels) {
    SensitivityLevel item;
    CFSYNC_TRY(item.group_id, string_member(level, "group_id", at));
    CFSYNC_TRY(item.level_id, string_member(level, "level_id", at));
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::optional<ContextAwareness>> read_context_awareness(dom::object profile,
                                                               std::string_view where) {
  dom::object context;
  if (profile["context_awareness"].get_object().get(context) != simdjson::SUCCESS) {
    return std::optional<ContextAwareness>();
  }
  ContextAwareness out;
  const std::string at = std::string(where) + ".context_awareness";
  CFSYNC_TRY(out.enabled, optional_bool_member(context, "enabled", at, false));
  dom::object skip;
  if (context["skip"].get_object().get(skip) == simdjson::SUCCESS) {
    CFSYNC_TRY(out.skip_files, optional_bool_member(skip, "files", at + ".skip", false));
  }
  return std::optional<ContextAwareness>(out);
}

// The settings custom and predefined profiles share.
template <class Profile>
Result<void> read_settings(dom::object object, std::string_view where, Profile& profile) {
  CFSYNC_TRY(profile.id, string_member(object, "id", where));
  CFSYNC_TRY(profile.name, string_member(object, "name", where));
  CFSYNC_TRY(auto count, int_member(object, "allowed_match_count", where));
  profile.allowed_match_count = static_cast<int>(count);
  CFSYNC_TRY(profile.confidence_threshold, confidence_member(object, where));
  CFSYNC_TRY(profile.ocr_enabled, optional_bool_member(object, "ocr_enabled", where, false));
  CFSYNC_TRY(profile.ai_context_enabled,
             optional_bool_member(object, "ai_context_enabled", where, false));
  return {};
}

// A custom profile; `has_entries` tells whether the response carried its own entries.
Result<LiveProfile> read_custom_profile(dom::object object, std::string_view where,
                                        bool& has_entries) {
  LiveProfile profile;
  CFSYNC_TRY_VOID(read_settings(object, where, profile));
  CFSYNC_TRY(auto description, optional_string_member(object, "description", where));
  profile.description = description.value_or("");
  CFSYNC_TRY(auto created_at, optional_string_member(object, "created_at", where));
  profile.created_at = created_at.value_or("");
  CFSYNC_TRY_VOID(read_shared_entries(object, where, profile));
  CFSYNC_TRY(profile.data_classes, string_array_member(object, "data_classes", where));
  CFSYNC_TRY(profile.data_tags, string_array_member(object, "data_tags", where));
  CFSYNC_TRY(profile.sensitivity_levels, read_levels(object, where));
  CFSYNC_TRY(profile.context_awareness, read_context_awareness(object, where));

  dom::element entries;
  has_entries = object["entries"].get(entries) == simdjson::SUCCESS && !entries.is_null();
  if (has_entries) {
    CFSYNC_TRY(auto items, object_array_member(object, "entries", where));
    for (dom::object item : items) {
      CFSYNC_TRY_VOID(read_entry_into(item, std::string(where) + ".entries[]", profile));
    }
  }
  return profile;
}

Result<LivePredefinedProfile> read_predefined_profile(dom::object object, std::string_view where) {
  LivePredefinedProfile profile;
  CFSYNC_TRY_VOID(read_settings(object, where, profile));
  CFSYNC_TRY(auto entries, object_array_member(object, "entries", where));
  const std::string at = std::string(where) + ".entries[]";
  for (dom::object item : entries) {
    LivePredefinedEntry entry;
    CFSYNC_TRY(entry.id, string_member(item, "id", at));
    CFSYNC_TRY(entry.name, string_member(item, "name", at));
    CFSYNC_TRY(entry.enabled, optional_bool_member(item, "enabled", at, false));
    profile.entries.push_back(std::move(entry));
  }
  return profile;
}

// ---- writing ----

json::object entry_body(const DesiredEntry& entry, const std::optional<std::string>& validation) {
  json::object body{{"name", entry.name}, {"enabled", entry.enabled}};
  if (entry.words) {
    json::array words;
    for (const std::string& word : *entry.words) words.emplace_back(word);
    body["words"] = std::move(words);
    return body;
  }
  json::object pattern{{"regex", entry.regex->reveal()}};
  if (validation) pattern["validation"] = *validation;
  body["pattern"] = std::move(pattern);
  if (entry.description && !entry.description->empty()) body["description"] = *entry.description;
  return body;
}

json::array uuid_array(const std::vector<std::string>& ids) {
  json::array out;
  for (const std::string& id : ids) out.emplace_back(id);
  return out;
}

json::array shared_array(const std::vector<SharedEntry>& entries) {
  json::array out;
  for (const SharedEntry& entry : entries) {
    out.push_back(json::object{{"entry_id", entry.entry_id}, {"enabled", entry.enabled}});
  }
  return out;
}

json::array level_array(const std::vector<SensitivityLevel>& levels) {
  json::array out;
  for (const SensitivityLevel& level : levels) {
    out.push_back(json::object{{"group_id", level.group_id}, {"level_id", level.level_id}});
  }
  return out;
}

// The lists a profile body carries when they are declared.
void add_lists(const DesiredProfile& profile, json::object& body) {
  if (profile.shared_entries) body["shared_entries"] = shared_array(*profile.shared_entries);
  if (profile.data_classes) body["data_classes"] = uuid_array(*profile.data_classes);
  if (profile.data_tags) body["data_tags"] = uuid_array(*profile.data_tags);
  if (profile.sensitivity_levels) {
    body["sensitivity_levels"] = level_array(*profile.sensitivity_levels);
  }
}

}  // namespace

HttpRequest list_profiles_request(std::string_view account_id) {
  return {.method = Method::get, .target = dlp_path(account_id) + "/profiles"};
}

HttpRequest list_entries_request(std::string_view account_id) {
  return {.method = Method::get, .target = dlp_path(account_id) + "/entries"};
}

Result<ProfileListing> parse_profiles_response(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  dom::array profiles;
  if (result.get_array().get(profiles) != simdjson::SUCCESS) {
    return unexpected("result is not an array of profiles");
  }
  ProfileListing listing;
  for (dom::element element : profiles) {
    CFSYNC_TRY(dom::object object, object_at(element, "result[]"));
    CFSYNC_TRY(auto type, optional_string_member(object, "type", "result[]"));
    if (type == "custom") {
      bool has_entries = false;
      CFSYNC_TRY(LiveProfile profile, read_custom_profile(object, "result[]", has_entries));
      if (!has_entries) listing.without_entries.push_back(profile.id);
      listing.profiles.custom.push_back(std::move(profile));
    } else if (type == "predefined") {
      CFSYNC_TRY(LivePredefinedProfile profile, read_predefined_profile(object, "result[]"));
      listing.profiles.predefined.push_back(std::move(profile));
    } else {
      // Integration profiles, and kinds cfsync does not know, are neither created nor configured
      // by it, but their names are taken.
      LiveOther other{.type = type.value_or("")};
      CFSYNC_TRY(auto id, optional_string_member(object, "id", "result[]"));
      CFSYNC_TRY(auto name, optional_string_member(object, "name", "result[]"));
      other.id = id.value_or("");
      other.name = name.value_or("");
      listing.profiles.others.push_back(std::move(other));
    }
  }
  return listing;
}

Result<void> add_listed_entries(const HttpResponse& response, ProfileListing& listing) {
  dom::parser parser;
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  dom::array entries;
  if (result.get_array().get(entries) != simdjson::SUCCESS) {
    return unexpected("result is not an array of entries");
  }
  std::map<std::string, LiveProfile*> needing;
  for (LiveProfile& profile : listing.profiles.custom) {
    if (std::find(listing.without_entries.begin(), listing.without_entries.end(), profile.id) !=
        listing.without_entries.end()) {
      needing[profile.id] = &profile;
    }
  }
  for (dom::element element : entries) {
    CFSYNC_TRY(dom::object object, object_at(element, "result[]"));
    CFSYNC_TRY(auto profile_id, optional_string_member(object, "profile_id", "result[]"));
    if (!profile_id) continue;
    const auto owner = needing.find(*profile_id);
    if (owner == needing.end()) continue;
    CFSYNC_TRY_VOID(read_entry_into(object, "result[]", *owner->second));
  }
  return {};
}

// The scalar fields `profile` holds (reconcile/profile_fields.hpp). A create leaves out what is
// null; a PUT, which replaces, sends it.
static void add_fields(const DesiredProfile& profile, json::object& body, bool with_nulls) {
  reconcile::for_each_field(reconcile::k_profile_fields, [&](const auto& field) {
    const auto& value = profile.*field.desired;
    const json::value sent = value ? json_value(reconcile::sent_field(*value)) : nullptr;
    if (with_nulls || !sent.is_null()) body[field.path] = sent;
  });
}

HttpRequest create_profile_request(std::string_view account_id, const CreateProfile& create) {
  const DesiredProfile& profile = create.profile;
  json::object body{{"name", profile.name}};
  add_fields(profile, body, false);
  if (profile.entries) {
    json::array entries;
    for (const DesiredEntry& entry : *profile.entries) {
      entries.push_back(entry_body(entry, std::nullopt));
    }
    body["entries"] = std::move(entries);
  }
  add_lists(profile, body);
  return json_request(Method::post, dlp_path(account_id) + "/profiles/custom", body, false);
}

HttpRequest update_profile_request(std::string_view account_id, const UpdateProfile& update) {
  const DesiredProfile& profile = update.body;
  // PUT replaces: every field is sent (the planner filled in live values for undeclared ones).
  // The deprecated `entries` is never sent; entries have their own API.
  json::object body{{"name", profile.name}};
  add_fields(profile, body, true);
  body["shared_entries"] =
      shared_array(profile.shared_entries.value_or(std::vector<SharedEntry>{}));
  add_lists(profile, body);
  if (update.context_awareness) {
    body["context_awareness"] =
        json::object{{"enabled", update.context_awareness->enabled},
                     {"skip", json::object{{"files", update.context_awareness->skip_files}}}};
  }
  return json_request(Method::put,
                      dlp_path(account_id) + "/profiles/custom/" + path_segment(update.id), body,
                      true);
}

HttpRequest delete_profile_request(std::string_view account_id, const DeleteProfile& remove) {
  return {.method = Method::delete_,
          .target = dlp_path(account_id) + "/profiles/custom/" + path_segment(remove.id)};
}

HttpRequest create_entry_request(std::string_view account_id, const CreateEntry& create) {
  json::object body = entry_body(create.entry, std::nullopt);
  body["profile_id"] = create.profile_id;
  return json_request(Method::post, dlp_path(account_id) + "/entries", body, false);
}

HttpRequest update_entry_request(std::string_view account_id, const UpdateEntry& update) {
  json::object body = entry_body(update.entry, update.validation);
  if (!body.contains("description")) body["description"] = nullptr;
  return json_request(
      Method::put, dlp_path(account_id) + "/entries/custom/" + path_segment(update.id), body, true);
}

HttpRequest delete_entry_request(std::string_view account_id, const DeleteEntry& remove) {
  return {.method = Method::delete_,
          .target = dlp_path(account_id) + "/entries/" + path_segment(remove.id)};
}

HttpRequest update_predefined_request(std::string_view account_id,
                                      const UpdatePredefinedProfile& update) {
  json::object body;
  reconcile::for_each_field(reconcile::k_predefined_fields, [&](const auto& field) {
    body[field.path] = json_value(reconcile::sent_field(update.*field.sent));
  });
  return json_request(Method::put,
                      dlp_path(account_id) + "/profiles/predefined/" + path_segment(update.id),
                      body, true);
}

HttpRequest toggle_entry_request(std::string_view account_id, const TogglePredefinedEntry& toggle) {
  return json_request(Method::put,
                      dlp_path(account_id) + "/entries/predefined/" + path_segment(toggle.id),
                      json::object{{"enabled", toggle.enabled}}, true);
}

Result<LiveProfile> parse_profile_response(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::object object, result_object(parser, response));
  bool has_entries = false;
  return read_custom_profile(object, "result", has_entries);
}

Result<LivePredefinedProfile> parse_predefined_response(const HttpResponse& response) {
  return read_result(response, read_predefined_profile);
}

Result<LiveEntry> parse_entry_response(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::object object, result_object(parser, response));
  LiveProfile holder;
  CFSYNC_TRY_VOID(read_entry_into(object, "result", holder));
  if (!holder.entries.empty()) return std::move(holder.entries.front());
  // A predefined or integration entry: only its switch matters.
  LiveEntry toggled;
  CFSYNC_TRY(toggled.id, string_member(object, "id", "result"));
  CFSYNC_TRY(toggled.name, string_member(object, "name", "result"));
  CFSYNC_TRY(toggled.enabled, optional_bool_member(object, "enabled", "result", false));
  return toggled;
}

}  // namespace cfsync::api
