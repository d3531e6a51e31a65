#include "reconcile/planner.hpp"

#include "reconcile/family.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cfsync::reconcile {

namespace {

FieldValue shown(MaskingLevel level) { return std::string(to_string(level)); }

// Whether a secret is set is shown, as a digest; its value never is.
FieldValue masked(const Sensitive& value) {
  if (value.empty()) return std::monostate{};
  return Masked{value};
}

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

namespace {

constexpr KindTraits k_kinds[] = {{.kind = ResourceKind::dlp_settings, .name = "dlp_settings"}};

Result<void> plan_step(const DesiredState& desired, const LiveState& live, Plan& plan,
                       std::vector<std::string>& /*problems*/) {
  if (!desired.dlp_settings) return {};
  if (!live.dlp_settings) {
    return Error(ErrorKind::plan, "dlp settings are declared but were not read from the account");
  }
  plan_dlp_settings(*desired.dlp_settings, *live.dlp_settings, plan);
  return {};
}

// First: later kinds may depend on the settings.
constexpr PlanStep k_steps[] = {{.stage = 0, .run = plan_step}};

Placement place(const Change& /*change*/) { return {.stage = 0, .lane = "settings"}; }

void declared(const DesiredState& desired, std::vector<std::string>& parts) {
  if (desired.dlp_settings) parts.emplace_back("dlp settings");
}

}  // namespace

constexpr Family k_dlp_settings_family{.name = "dlp_settings",
                                       .track = 0,
                                       .kinds = k_kinds,
                                       .plan_steps = k_steps,
                                       .place = place,
                                       .declared = declared};

Result<Plan> plan(const DesiredState& desired, const LiveState& live) {
  // Every family's steps, in the order their changes may run: track, then stage.
  struct Step {
    int track;
    const PlanStep* step;
  };
  std::vector<Step> steps;
  for (const Family* family : families()) {
    for (const PlanStep& step : family->plan_steps) steps.push_back({family->track, &step});
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return std::pair(a.track, a.step->stage) < std::pair(b.track, b.step->stage);
  });
  Plan result;
  std::vector<std::string> problems;
  for (const Step& step : steps) {
    CFSYNC_TRY_VOID(step.step->run(desired, live, result, problems));
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
