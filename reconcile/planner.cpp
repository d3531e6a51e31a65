#include "reconcile/planner.hpp"

#include "reconcile/family.hpp"
#include "reconcile/settings_fields.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cfsync::reconcile {

namespace {

void plan_dlp_settings(const DesiredDlpSettings& desired, const LiveDlpSettings& live, Plan& out) {
  DesiredDlpSettings patch = settings_patch(desired, live);
  if (patch == DesiredDlpSettings{}) return;
  Change change{
      .kind = ResourceKind::dlp_settings, .name = "dlp settings", .action = Action::update};
  change.fields = field_changes(k_settings_fields, patch, live);
  change.payload = std::move(patch);
  out.changes.push_back(std::move(change));
}

}  // namespace

DesiredDlpSettings settings_patch(const DesiredDlpSettings& desired, const LiveDlpSettings& live) {
  DesiredDlpSettings patch;
  for_each_field(k_settings_fields, [&](const auto& field) {
    const auto& value = desired.*field.desired;
    if (value && *value != live.*field.live) patch.*field.desired = value;
  });
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

// Listed in families.cpp: name, track, kinds, plan steps, place, declared.
extern constexpr Family k_dlp_settings_family{"dlp_settings", 0, k_kinds, k_steps, place, declared};

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
