// The DLP profiles family's scalar fields as tables (reconcile/fields.hpp): a predefined
// profile's settings, whose PUT sends every field (the declared value, else the live one), and a
// custom profile's.
#pragma once

#include "reconcile/fields.hpp"

namespace cfsync::reconcile {

// The spec bounds allowed_match_count in requests only: the API may answer other values.
inline constexpr Bounds k_match_count_bounds{0, 1000};

template <class T>
using PredefinedField =
    ScalarField<DesiredPredefinedProfile, LivePredefinedProfile, T, UpdatePredefinedProfile>;

inline constexpr auto k_predefined_fields = std::tuple{
    PredefinedField<int>{"allowed_match_count", &DesiredPredefinedProfile::allowed_match_count,
                         &LivePredefinedProfile::allowed_match_count,
                         &UpdatePredefinedProfile::allowed_match_count, k_match_count_bounds},
    PredefinedField<Confidence>{"confidence_threshold",
                                &DesiredPredefinedProfile::confidence_threshold,
                                &LivePredefinedProfile::confidence_threshold,
                                &UpdatePredefinedProfile::confidence_threshold},
    PredefinedField<bool>{"ocr_enabled", &DesiredPredefinedProfile::ocr_enabled,
                          &LivePredefinedProfile::ocr_enabled,
                          &UpdatePredefinedProfile::ocr_enabled},
    PredefinedField<bool>{"ai_context_enabled", &DesiredPredefinedProfile::ai_context_enabled,
                          &LivePredefinedProfile::ai_context_enabled,
                          &UpdatePredefinedProfile::ai_context_enabled},
};

// A custom profile's scalar settings; its lists (entries, shared entries, data classes and tags,
// sensitivity levels) are compared as sets in profile_planner.cpp.
template <class T>
using ProfileField = ScalarField<DesiredProfile, LiveProfile, T>;

inline constexpr auto k_profile_fields = std::tuple{
    ProfileField<std::string>{"description", &DesiredProfile::description,
                              &LiveProfile::description},
    ProfileField<int>{"allowed_match_count", &DesiredProfile::allowed_match_count,
                      &LiveProfile::allowed_match_count, nullptr, k_match_count_bounds},
    ProfileField<Confidence>{"confidence_threshold", &DesiredProfile::confidence_threshold,
                             &LiveProfile::confidence_threshold},
    ProfileField<bool>{"ocr_enabled", &DesiredProfile::ocr_enabled, &LiveProfile::ocr_enabled},
    ProfileField<bool>{"ai_context_enabled", &DesiredProfile::ai_context_enabled,
                       &LiveProfile::ai_context_enabled},
};

}  // namespace cfsync::reconcile
