// Internal to config/: the keys each mapping of the configuration may hold, by family. The
// readers accept these and no others; the JSON Schema (daemon/schema.cpp) must list the same,
// which tests/unit/daemon/schema_test.cpp checks through config::key_tables().
#pragma once

#include <array>
#include <string_view>

namespace cfsync::config::keys {

// dlp.settings
inline constexpr std::array<std::string_view, 3> settings = {"ai_context_analysis", "ocr",
                                                             "payload_logging"};
inline constexpr std::array<std::string_view, 3> payload_logging = {"masking_level", "public_key",
                                                                    "public_key_file"};
// dlp.profiles
inline constexpr std::array<std::string_view, 11> profile = {"name",
                                                             "description",
                                                             "allowed_match_count",
                                                             "confidence_threshold",
                                                             "ocr_enabled",
                                                             "ai_context_enabled",
                                                             "entries",
                                                             "shared_entries",
                                                             "data_classes",
                                                             "data_tags",
                                                             "sensitivity_levels"};
inline constexpr std::array<std::string_view, 5> entry = {"name", "regex", "words", "enabled",
                                                          "description"};
inline constexpr std::array<std::string_view, 2> shared_entry = {"entry_id", "enabled"};
inline constexpr std::array<std::string_view, 2> sensitivity_level = {"group_id", "level_id"};
// dlp.predefined_profiles
inline constexpr std::array<std::string_view, 7> predefined_profile = {"name",
                                                                       "id",
                                                                       "allowed_match_count",
                                                                       "confidence_threshold",
                                                                       "ocr_enabled",
                                                                       "ai_context_enabled",
                                                                       "entries"};
inline constexpr std::array<std::string_view, 2> predefined_entry = {"name", "enabled"};
// dlp.datasets
inline constexpr std::array<std::string_view, 6> dataset = {"name", "description",    "kind",
                                                            "file", "case_sensitive", "secret"};
// ai_search
inline constexpr std::array<std::string_view, 1> ai_search = {"instances"};
inline constexpr std::array<std::string_view, 4> instance = {"namespace", "id", "documents",
                                                             "prune"};
inline constexpr std::array<std::string_view, 4> documents = {"dir", "include", "exclude",
                                                              "metadata"};
// prune, safety.<kind>
inline constexpr std::array<std::string_view, 2> prune = {"profiles", "datasets"};
inline constexpr std::array<std::string_view, 3> safety_limits = {
    "max_delete_percent", "max_delete_count", "allow_empty"};

}  // namespace cfsync::config::keys
