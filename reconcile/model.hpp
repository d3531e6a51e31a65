// Desired and live state: cfsync's own value types, shared by every module.
//
// Desired values come from the configuration; an unset optional means "not managed, leave the
// account's value alone". Live values come from the API, already normalised.
#pragma once

#include "reconcile/ai_search_model.hpp"
#include "reconcile/dataset_model.hpp"
#include "reconcile/profile_model.hpp"
#include "reconcile/sensitive.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync {

// The kinds of resource a plan changes. What differs between them is in their family's record
// (reconcile/family.hpp).
enum class ResourceKind {
  dlp_settings,
  dlp_profile,             // a custom profile
  dlp_profile_entry,       // an entry of a custom profile
  dlp_predefined_profile,  // a predefined profile's settings
  dlp_predefined_entry,    // a predefined entry switched on or off
  ai_search_item,          // a document uploaded into an AI Search instance
  ai_search_namespace,     // an AI Search namespace
  ai_search_instance,      // an AI Search instance's existence, place and settings
  dlp_dataset,             // a word list or EDM dataset: its settings and its content
};

// "dlp_profile": the kind's name in plans and `safety:`.
[[nodiscard]] std::string_view to_string(ResourceKind kind);

// dlp_PayloadLogMaskingLevel in the spec.
enum class MaskingLevel { full, partial, clear, default_level };

[[nodiscard]] std::string_view to_string(MaskingLevel level);
[[nodiscard]] std::optional<MaskingLevel> parse_masking_level(std::string_view text);
// The spellings the API accepts, in the spec's order.
[[nodiscard]] std::span<const std::string_view> masking_level_names();

// ASCII lower case: ids and names the API may spell in either case.
[[nodiscard]] std::string lower(std::string text);

// Account-level DLP settings (a singleton per account, no id).
struct DesiredDlpSettings {
  std::optional<bool> ai_context_analysis;
  std::optional<bool> ocr;
  std::optional<MaskingLevel> masking_level;
  // Base64 public key; an empty value means payload logging is disabled.
  std::optional<Sensitive> public_key;

  friend bool operator==(const DesiredDlpSettings&, const DesiredDlpSettings&) = default;
};

struct LiveDlpSettings {
  bool ai_context_analysis = false;
  bool ocr = false;
  MaskingLevel masking_level = MaskingLevel::default_level;
  // Empty when payload logging is disabled (the API reports null).
  Sensitive public_key;

  friend bool operator==(const LiveDlpSettings&, const LiveDlpSettings&) = default;
};

// What may be deleted: live resources that the configuration does not declare.
struct PruneOptions {
  bool profiles = false;
  bool datasets = false;
  bool ai_search_instances = false;
  bool ai_search_namespaces = false;
};

// How much of one kind of resource a plan may take away before apply refuses it (`safety:`).
struct SafetyLimits {
  int max_delete_percent = 30;  // of the kind's live objects, once there are k_safety_minimum
  int max_delete_count = 100;   // likewise
  bool allow_empty = false;     // a configuration declaring none of the kind may delete them all
  friend bool operator==(const SafetyLimits&, const SafetyLimits&) = default;
};
// Below this many live objects of a kind, the percentage and count limits do not apply.
inline constexpr int k_safety_minimum = 10;

struct DesiredState {
  std::string account_id;
  std::optional<DesiredDlpSettings> dlp_settings;
  std::vector<DesiredProfile> profiles;
  std::vector<DesiredPredefinedProfile> predefined_profiles;
  std::vector<DesiredNamespace> ai_search_namespaces;
  std::vector<DesiredInstance> ai_search_instances;
  std::vector<DesiredDataset> datasets;
  PruneOptions prune;
  // By kind (those whose deletes are limited: reconcile/family.hpp); a kind not named has the
  // defaults.
  std::map<ResourceKind, SafetyLimits> safety;
  // `suspend: true`: plan and report, write nothing.
  bool suspended = false;

  // Whether the account's profiles must be read.
  [[nodiscard]] bool manages_profiles() const {
    return !profiles.empty() || !predefined_profiles.empty() || prune.profiles;
  }
  // Whether the account's datasets must be read.
  [[nodiscard]] bool manages_datasets() const { return !datasets.empty() || prune.datasets; }
  // Whether every AI Search namespace and instance must be read.
  [[nodiscard]] bool manages_ai_search_stack() const {
    return !ai_search_namespaces.empty() || prune.ai_search_instances ||
           prune.ai_search_namespaces ||
           std::any_of(ai_search_instances.begin(), ai_search_instances.end(),
                       [](const DesiredInstance& instance) { return !instance.settings.empty(); });
  }
};

// Only what the desired state asks about is read from the account.
struct LiveState {
  std::optional<LiveDlpSettings> dlp_settings;
  std::optional<LiveProfiles> profiles;
  // One per declared instance, in the same order.
  std::optional<std::vector<LiveInstance>> ai_search_instances;
  std::optional<LiveAiSearchStack> ai_search_stack;
  std::optional<LiveDatasets> datasets;
};

}  // namespace cfsync
