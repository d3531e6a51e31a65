// The DLP settings family's scalar fields, as one table: each field's path (the same in the
// configuration, in plans and in the API's JSON: "payload_logging.masking_level"), its declared
// and live members; by its type, how a plan shows it (masked for a Sensitive) and how it is sent.
// The diff, the plan's field list, the PATCH body and the check of the API's answer all walk this
// table, so a new settings field is one line here (and its reader in config/dlp_settings.cpp).
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"

#include <string>
#include <string_view>
#include <tuple>
#include <variant>

namespace cfsync::reconcile {

template <class T>
struct SettingsField {
  std::string_view path;
  std::optional<T> DesiredDlpSettings::*desired;
  T LiveDlpSettings::*live;  // a Sensitive one is masked in plans (shown_setting)
};

inline constexpr auto k_settings_fields = std::tuple{
    SettingsField<bool>{"ai_context_analysis", &DesiredDlpSettings::ai_context_analysis,
                        &LiveDlpSettings::ai_context_analysis},
    SettingsField<bool>{"ocr", &DesiredDlpSettings::ocr, &LiveDlpSettings::ocr},
    SettingsField<MaskingLevel>{"payload_logging.masking_level", &DesiredDlpSettings::masking_level,
                                &LiveDlpSettings::masking_level},
    // Base64; empty is "disabled" on both sides (declared "", or null in the API).
    SettingsField<Sensitive>{"payload_logging.public_key", &DesiredDlpSettings::public_key,
                             &LiveDlpSettings::public_key},
};

// Calls `visit(field)` for each field of the table, in order.
template <class Visit>
void for_each_settings_field(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, k_settings_fields);
}

// How a plan shows a value of a settings field: masked fields as a digest (or null when unset).
inline FieldValue shown_setting(bool value) { return value; }
inline FieldValue shown_setting(MaskingLevel value) { return std::string(to_string(value)); }
inline FieldValue shown_setting(const Sensitive& value) {
  if (value.empty()) return std::monostate{};
  return Masked{value};
}

// The text a field of the API's JSON carries: a JSON boolean for bool, a string otherwise.
inline std::variant<bool, std::string> sent_setting(bool value) { return value; }
inline std::variant<bool, std::string> sent_setting(MaskingLevel value) {
  return std::string(to_string(value));
}
inline std::variant<bool, std::string> sent_setting(const Sensitive& value) {
  return value.reveal();
}

}  // namespace cfsync::reconcile
