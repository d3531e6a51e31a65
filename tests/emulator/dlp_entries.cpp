// DLP entries: custom entries (create, update, delete), predefined and integration entries
// (switched on or off only). Spec: dlp-entries-*; bodies dlp_NewEntry, dlp_EntryUpdate,
// dlp_CustomEntryUpdate, dlp_NewPredefinedEntry, dlp_PredefinedEntryUpdate.
#include "tests/emulator/dlp_store.hpp"
#include "tests/emulator/envelope.hpp"
#include "tests/emulator/families.hpp"
#include "tests/emulator/json_body.hpp"

#include <boost/json/serialize.hpp>

#include <array>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

// name, pattern and enabled of a custom entry (dlp_NewEntry, dlp_CustomEntryUpdate).
std::optional<std::string> custom_entry_problem(const json::object& body) {
  if (auto p = check_required(body, "", {"name", "pattern", "enabled"})) return p;
  if (auto p = check_string(body, "name", "name", false)) return p;
  if (auto p = check_bool(body, "enabled", "enabled", false)) return p;
  if (auto p = check_string(body, "description", "description", true)) return p;
  return dlp::pattern_problem(body, "");
}

void set_custom_fields(json::object& entry, const json::object& body, const std::string& now) {
  entry["name"] = body.at("name");
  entry["pattern"] = body.at("pattern");
  entry["enabled"] = body.at("enabled");
  const json::value* description = provided(body, "description");
  entry["description"] = description != nullptr ? *description : json::value(nullptr);
  entry["updated_at"] = now;
}

// The entry with its profiles, as GET /dlp/entries/{id} answers (dlp_EntryWithSharedProfiles).
json::object with_profiles(json::object& account, const json::object& entry) {
  json::object out = entry;
  json::array profiles;
  const std::string_view id = entry.at("id").as_string();
  for (const json::value& item : dlp::profiles(account)) {
    const json::object& profile = item.as_object();
    bool uses = entry.contains("profile_id") && entry.at("profile_id") == profile.at("id");
    if (const json::value* shared = profile.if_contains("shared_entries")) {
      for (const json::value& ref : shared->as_array()) {
        uses = uses || ref.as_object().at("entry_id").as_string() == id;
      }
    }
    if (uses)
      profiles.push_back(json::object{{"id", profile.at("id")}, {"name", profile.at("name")}});
  }
  out["profiles"] = std::move(profiles);
  return out;
}

Response create_custom(Context& context) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = custom_entry_problem(body)) return invalid_body(*problem);
  json::value profile_id = nullptr;
  if (body.contains("profile_id")) {
    if (auto problem = check_uuid(body, "profile_id", "profile_id")) return invalid_body(*problem);
    const std::string_view id = body.at("profile_id").as_string();
    if (dlp::find_profile(context.account, id, "custom") == nullptr) {
      return dlp::not_found("custom profile", id);
    }
    profile_id = body.at("profile_id");
  }
  json::object entry{{"id", context.new_id()},
                     {"type", "custom"},
                     {"profile_id", profile_id},
                     {"created_at", context.now}};
  set_custom_fields(entry, body, context.now);
  dlp::entries(context.account).push_back(entry);
  context.changed = true;
  return success(std::move(entry));
}

Response update_custom(Context& context) {
  const std::string& id = context.params.at("entry_id");
  json::object* entry = dlp::find_entry(context.account, id, "custom");
  if (entry == nullptr) return dlp::not_found("custom entry", id);
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = custom_entry_problem(body)) return invalid_body(*problem);
  const json::object before = *entry;
  set_custom_fields(*entry, body, context.now);
  json::object unchanged = *entry;
  unchanged["updated_at"] = before.at("updated_at");
  if (unchanged == before) {
    *entry = before;
  } else {
    context.changed = true;
  }
  return success(*entry);
}

// PUT /dlp/entries/{id} (dlp_EntryUpdate): `type` says which kind of entry is meant.
Response update_any(Context& context) {
  const std::string& id = context.params.at("entry_id");
  json::object* entry = dlp::find_entry(context.account, id);
  if (entry == nullptr) return dlp::not_found("entry", id);
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  constexpr std::array<std::string_view, 3> k_types = {"custom", "predefined", "integration"};
  if (auto p = check_required(body, "", {"enabled", "type"})) return invalid_body(*p);
  if (auto p = check_bool(body, "enabled", "enabled", false)) return invalid_body(*p);
  if (auto p = check_enum(body, "type", "type", k_types, false)) return invalid_body(*p);
  if (body.at("type") != entry->at("type")) {
    return invalid_body("type " + boost::json::serialize(body.at("type")) +
                        " does not match the entry's type");
  }
  if (body.at("type") == "custom") {
    if (auto problem = custom_entry_problem(body)) return invalid_body(*problem);
    set_custom_fields(*entry, body, context.now);
  } else {
    (*entry)["enabled"] = body.at("enabled");
  }
  context.changed = true;
  return success(*entry);
}

Response delete_custom(Context& context) {
  const std::string& id = context.params.at("entry_id");
  json::array& all = dlp::entries(context.account);
  const auto it = std::find_if(all.begin(), all.end(), [&](const json::value& item) {
    const json::object& entry = item.as_object();
    return entry.at("id").as_string() == id &&
           (entry.at("type") == "custom" || entry.at("type") == "word_list");
  });
  if (it == all.end()) return dlp::not_found("custom entry", id);
  all.erase(it);
  dlp::forget_shared(context.account, id);
  context.changed = true;
  return success(nullptr);
}

// Predefined and integration entries cannot be created or deleted; "create" and update switch
// them on or off.
Response toggle(Context& context, std::string_view type, const std::string& id,
                const json::object& body) {
  if (auto p = check_required(body, "", {"enabled"})) return invalid_body(*p);
  if (auto p = check_bool(body, "enabled", "enabled", false)) return invalid_body(*p);
  json::object* entry = dlp::find_entry(context.account, id, type);
  if (entry == nullptr) return dlp::not_found(std::string(type) + " entry", id);
  if (entry->at("enabled") != body.at("enabled")) context.changed = true;
  (*entry)["enabled"] = body.at("enabled");
  return success(*entry);
}

void add_switch_routes(Router& router, const std::string& base, std::string_view type) {
  const std::string kind(type);
  router.add("POST", base + "/" + kind, [kind](Context& c) {
    auto parsed = object_body(c.request);
    if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
    const json::object& body = std::get<json::object>(parsed);
    if (auto p = check_uuid(body, "entry_id", "entry_id")) return invalid_body(*p);
    return toggle(c, kind, std::string(body.at("entry_id").as_string()), body);
  });
  router.add("PUT", base + "/" + kind + "/{entry_id}", [kind](Context& c) {
    auto parsed = object_body(c.request);
    if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
    return toggle(c, kind, c.params.at("entry_id"), std::get<json::object>(parsed));
  });
  router.add("DELETE", base + "/" + kind + "/{entry_id}", [kind](Context& c) {
    // "a no-op as ... entries can't be deleted"
    const std::string& id = c.params.at("entry_id");
    if (dlp::find_entry(c.account, id, kind) == nullptr) return dlp::not_found(kind + " entry", id);
    return success(nullptr);
  });
}

}  // namespace

void add_dlp_entries_routes(Router& router) {
  const std::string base = "/accounts/{account_id}/dlp/entries";
  router.add("GET", base, [](Context& c) { return success(dlp::entries(c.account)); });
  router.add("POST", base, create_custom);
  router.add("PUT", base + "/custom/{entry_id}", update_custom);
  add_switch_routes(router, base, "predefined");
  add_switch_routes(router, base, "integration");
  router.add("GET", base + "/{entry_id}", [](Context& c) {
    const std::string& id = c.params.at("entry_id");
    json::object* entry = dlp::find_entry(c.account, id);
    if (entry == nullptr) return dlp::not_found("entry", id);
    return success(with_profiles(c.account, *entry));
  });
  router.add("PUT", base + "/{entry_id}", update_any);
  router.add("DELETE", base + "/{entry_id}", delete_custom);
}

}  // namespace cfsync::emulator
