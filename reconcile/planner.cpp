#include "reconcile/planner.hpp"

#include <string>

namespace cfsync::reconcile {

namespace {

FieldValue shown(MaskingLevel level) { return std::string(to_string(level)); }

// Whether a secret is set is shown, as a digest; its value never is.
FieldValue masked(const Sensitive& value) {
  if (value.empty()) return std::monostate{};
  return Masked{value};
}

// One Change per kind, in a fixed order: settings first, as later kinds may depend on them.
void plan_dlp_settings(const DesiredDlpSettings& desired, const LiveDlpSettings& live, Plan& out) {
  DesiredDlpSettings patch = settings_patch(desired, live);
  if (patch == DesiredDlpSettings{}) return;

  Change change;
  change.kind = ResourceKind::dlp_settings;
  change.name = "dlp settings";
  change.action = Action::update;
  if (patch.ai_context_analysis) {
    change.fields.push_back(
        {"ai_context_analysis", live.ai_context_analysis, *patch.ai_context_analysis});
  }
  if (patch.ocr) change.fields.push_back({"ocr", live.ocr, *patch.ocr});
  if (patch.masking_level) {
    change.fields.push_back(
        {"payload_logging.masking_level", shown(live.masking_level), shown(*patch.masking_level)});
  }
  if (patch.public_key) {
    change.fields.push_back(
        {"payload_logging.public_key", masked(live.public_key), masked(*patch.public_key)});
  }
  change.payload = std::move(patch);
  out.changes.push_back(std::move(change));
}

}  // namespace

DesiredDlpSettings settings_patch(const DesiredDlpSettings& desired, const LiveDlpSettings& live) {
  DesiredDlpSettings patch;
  if (desired.ai_context_analysis && *desired.ai_context_analysis != live.ai_context_analysis) {
    patch.ai_context_analysis = desired.ai_context_analysis;
  }
  if (desired.ocr && *desired.ocr != live.ocr) patch.ocr = desired.ocr;
  if (desired.masking_level && *desired.masking_level != live.masking_level) {
    patch.masking_level = desired.masking_level;
  }
  // Both sides use "empty" for disabled, so "" declared and null live are equal.
  if (desired.public_key && *desired.public_key != live.public_key) {
    patch.public_key = desired.public_key;
  }
  return patch;
}

Result<Plan> plan(const DesiredState& desired, const LiveState& live) {
  Plan result;
  if (desired.dlp_settings) {
    if (!live.dlp_settings) {
      return Error(ErrorKind::plan, "dlp settings are declared but were not read from the account");
    }
    plan_dlp_settings(*desired.dlp_settings, *live.dlp_settings, result);
  }
  std::vector<std::string> problems;
  // Datasets before profiles, which may use their entries; dataset deletes after them.
  if (desired.manages_datasets() && live.datasets) {
    plan_datasets(desired, *live.datasets, result, problems);
  }
  if (desired.manages_profiles()) {
    if (!live.profiles) {
      return Error(ErrorKind::plan, "dlp profiles are declared but were not read from the account");
    }
    plan_profiles(desired, *live.profiles, result, problems);
  }
  if (desired.manages_datasets()) {
    if (!live.datasets) {
      return Error(ErrorKind::plan, "dlp datasets are declared but were not read from the account");
    }
    plan_dataset_deletes(desired, *live.datasets, result);
  }
  if (!desired.ai_search_instances.empty()) {
    if (!live.ai_search_instances ||
        live.ai_search_instances->size() != desired.ai_search_instances.size()) {
      return Error(ErrorKind::plan,
                   "AI Search instances are declared but were not read from the account");
    }
    plan_ai_search(desired, *live.ai_search_instances, result, problems);
  }
  if (!problems.empty()) {
    Error error(ErrorKind::plan, "no safe plan: " + std::to_string(problems.size()) +
                                     (problems.size() == 1 ? " problem" : " problems"));
    error.details = std::move(problems);
    return error;
  }
  return result;
}

}  // namespace cfsync::reconcile
