#include "api/dlp_settings.hpp"

#include "api/json_read.hpp"
#include "api/json_write.hpp"
#include "reconcile/settings_fields.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace cfsync::api {

namespace {

std::string settings_path(std::string_view account_id) {
  return dlp_path(account_id) + "/settings";
}

}  // namespace

HttpRequest read_settings_request(std::string_view account_id) {
  return {.method = Method::get, .target = settings_path(account_id)};
}

HttpRequest patch_settings_request(std::string_view account_id, const DesiredDlpSettings& patch) {
  boost::json::object body;
  reconcile::for_each_field(reconcile::k_settings_fields, [&](const auto& field) {
    const auto& value = patch.*field.desired;
    if (!value) return;
    // "payload_logging.public_key" is a member of the object "payload_logging".
    boost::json::object* into = &body;
    std::string_view path = field.path;
    for (std::size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
      boost::json::value& inner = (*into)[path.substr(0, dot)];
      if (!inner.is_object()) inner.emplace_object();
      into = &inner.as_object();
      path.remove_prefix(dot + 1);
    }
    // A public key of "" disables payload logging; null would mean "unchanged" to PATCH.
    (*into)[path] = json_value(reconcile::sent_field(*value));
  });
  // Every field carries an absolute value: sending it twice changes nothing more.
  return json_request(Method::patch, settings_path(account_id), body, true);
}

Result<LiveDlpSettings> parse_settings_response(const HttpResponse& response) {
  simdjson::dom::parser parser;
  CFSYNC_TRY(simdjson::dom::object result, result_object(parser, response));

  LiveDlpSettings live;
  CFSYNC_TRY(live.ai_context_analysis, bool_member(result, "ai_context_analysis", "result"));
  CFSYNC_TRY(live.ocr, bool_member(result, "ocr", "result"));
  simdjson::dom::element logging_element;
  if (result["payload_logging"].get(logging_element) != simdjson::SUCCESS) {
    return unexpected("result.payload_logging is missing");
  }
  CFSYNC_TRY(simdjson::dom::object logging, object_at(logging_element, "result.payload_logging"));
  CFSYNC_TRY(auto level,
             optional_string_member(logging, "masking_level", "result.payload_logging"));
  if (level) {
    auto parsed = parse_masking_level(*level);
    if (!parsed) {
      return unexpected("result.payload_logging.masking_level \"" + *level +
                        "\" is not a known level");
    }
    live.masking_level = *parsed;
  }
  CFSYNC_TRY(auto key, optional_string_member(logging, "public_key", "result.payload_logging"));
  live.public_key = Sensitive(key.value_or(""));
  return live;
}

}  // namespace cfsync::api
