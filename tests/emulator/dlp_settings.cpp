// DLP account settings: GET, PUT (full replacement), PATCH (partial), DELETE (reset).
// Spec: dlp-settings-get, -update, -edit, -delete; dlp_DlpSettingsUpdate for bodies.
#include "tests/emulator/envelope.hpp"
#include "tests/emulator/families.hpp"
#include "tests/emulator/json_body.hpp"

#include <array>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> k_masking_levels = {"full", "partial", "clear",
                                                              "default"};

// A new account's settings: the spec's defaults, payload logging disabled.
json::object defaults(const std::string& now) {
  return {
      {"ai_context_analysis", false},
      {"ocr", false},
      {"payload_logging",
       json::object{{"masking_level", "default"}, {"public_key", nullptr}, {"updated_at", now}}}};
}

json::object& settings_of(json::object& account) {
  return account["dlp"].as_object()["settings"].as_object();
}

std::optional<std::string> problem_with(const json::object& body) {
  if (auto p = check_bool(body, "ai_context_analysis", "ai_context_analysis", true)) return p;
  if (auto p = check_bool(body, "ocr", "ocr", true)) return p;
  // "null and missing are treated identically" (dlp_PayloadLogSettingUpdate)
  if (auto p = check_object(body, "payload_logging", "payload_logging", true)) return p;
  const json::value* logging = provided(body, "payload_logging");
  if (logging == nullptr) return std::nullopt;
  const json::object& fields = logging->get_object();
  if (auto p = check_enum(fields, "masking_level", "payload_logging.masking_level",
                          k_masking_levels, true)) {
    return p;
  }
  if (auto p = check_string(fields, "public_key", "payload_logging.public_key", true)) return p;
  if (const json::value* key = provided(fields, "public_key")) {
    const std::string_view text = key->get_string();
    if (!text.empty() && !is_base64(text)) {
      return std::string(
          "payload_logging.public_key must be a base64-encoded key, or \"\" to "
          "disable payload logging");
    }
  }
  return std::nullopt;
}

// PATCH keeps what is not provided; PUT resets it ("Missing fields are reset to initial
// (unconfigured) values").
Response write(Context& context, bool replace) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = problem_with(body)) return invalid_body(*problem);

  json::object& settings = settings_of(context.account);
  const json::object before = settings;
  const json::object initial = defaults(context.now);
  for (std::string_view key : {"ai_context_analysis", "ocr"}) {
    if (const json::value* value = provided(body, key)) {
      settings[key] = *value;
    } else if (replace) {
      settings[key] = initial.at(key);
    }
  }

  json::object& logging = settings["payload_logging"].as_object();
  static const json::object k_none;
  const json::value* requested = provided(body, "payload_logging");
  const json::object& fields = requested != nullptr ? requested->get_object() : k_none;
  if (const json::value* level = provided(fields, "masking_level")) {
    logging["masking_level"] = *level;
  } else if (replace) {
    logging["masking_level"] = "default";
  }
  if (const json::value* key = provided(fields, "public_key")) {
    // "Set to an empty string to disable payload logging"; disabled reads back as null.
    if (key->get_string().empty()) {
      logging["public_key"] = nullptr;
    } else {
      logging["public_key"] = *key;
    }
  } else if (replace) {
    logging["public_key"] = nullptr;
  }

  const json::object& logging_before = before.at("payload_logging").as_object();
  if (logging.at("masking_level") != logging_before.at("masking_level") ||
      logging.at("public_key") != logging_before.at("public_key")) {
    logging["updated_at"] = context.now;
  }
  context.changed = settings != before;
  return success(settings);
}

}  // namespace

void init_dlp_settings(json::object& account, const std::string& now) {
  json::value& dlp = account["dlp"];
  if (!dlp.is_object()) dlp = json::object();
  if (!dlp.as_object().contains("settings")) dlp.as_object()["settings"] = defaults(now);
}

void add_dlp_settings_routes(Router& router) {
  constexpr std::string_view path = "/accounts/{account_id}/dlp/settings";
  router.add("GET", path, [](Context& context) { return success(settings_of(context.account)); });
  router.add("PATCH", path, [](Context& context) { return write(context, false); });
  router.add("PUT", path, [](Context& context) { return write(context, true); });
  router.add("DELETE", path, [](Context& context) {
    // "Deletes account-level DLP settings and returns the initial values."
    settings_of(context.account) = defaults(context.now);
    context.changed = true;
    return success(settings_of(context.account));
  });
}

}  // namespace cfsync::emulator
