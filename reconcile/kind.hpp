// The kinds of resource a plan changes. What differs between them is in their family's record
// (reconcile/family.hpp).
#pragma once

#include <string_view>

namespace cfsync {

enum class ResourceKind {
  dlp_settings,
  dlp_profile,             // a custom profile
  dlp_profile_entry,       // an entry of a custom profile
  dlp_predefined_profile,  // a predefined profile's settings
  dlp_predefined_entry,    // a predefined entry switched on or off
  ai_search_item,          // a document uploaded into an AI Search instance
  dlp_dataset,             // a word list or EDM dataset: its settings and its content
};

// "dlp_profile": the kind's name in plans and `safety:`.
[[nodiscard]] std::string_view to_string(ResourceKind kind);

}  // namespace cfsync
