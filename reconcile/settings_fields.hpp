// The DLP settings family's fields as a table (reconcile/fields.hpp): a PATCH sends only the
// fields that differ, so the patch itself is the payload.
#pragma once

#include "reconcile/fields.hpp"

namespace cfsync::reconcile {

template <class T>
using SettingsField = ScalarField<DesiredDlpSettings, LiveDlpSettings, T>;

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

}  // namespace cfsync::reconcile
