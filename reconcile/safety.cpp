#include "reconcile/safety.hpp"

#include <array>
#include <set>

namespace cfsync::reconcile {

namespace {

constexpr std::array<ResourceKind, 4> k_kinds = {
    ResourceKind::dlp_profile, ResourceKind::dlp_profile_entry, ResourceKind::dlp_dataset,
    ResourceKind::ai_search_item};

struct Counts {
  std::size_t live = 0;
  std::size_t desired = 0;
};

// Live and declared objects of `kind`; entries are counted in the declared profiles only.
Counts counts(ResourceKind kind, const DesiredState& desired, const LiveState& live) {
  Counts out;
  switch (kind) {
    case ResourceKind::dlp_profile:
      out.desired = desired.profiles.size();
      if (live.profiles) out.live = live.profiles->custom.size();
      break;
    case ResourceKind::dlp_profile_entry: {
      std::set<std::string> names;  // profiles whose entries are declared, so managed
      for (const DesiredProfile& profile : desired.profiles) {
        if (!profile.entries) continue;
        names.insert(profile.name);
        out.desired += profile.entries->size();
      }
      if (!live.profiles) break;
      for (const LiveProfile& profile : live.profiles->custom) {
        if (names.contains(profile.name)) out.live += profile.entries.size();
      }
      break;
    }
    case ResourceKind::dlp_dataset:
      out.desired = desired.datasets.size();
      if (live.datasets) out.live = live.datasets->datasets.size();
      break;
    case ResourceKind::ai_search_item:
      for (const DesiredInstance& instance : desired.ai_search_instances) {
        out.desired += instance.documents.size();
      }
      if (!live.ai_search_instances) break;
      for (const LiveInstance& instance : *live.ai_search_instances) {
        out.live += instance.items.size();
      }
      break;
    default:
      break;
  }
  return out;
}

std::string percent(std::size_t part, std::size_t whole) {
  return std::to_string(whole == 0 ? 0 : (part * 100 + whole / 2) / whole) + "%";
}

}  // namespace

std::vector<std::string_view> safety_kinds() {
  std::vector<std::string_view> names;
  for (ResourceKind kind : k_kinds) names.push_back(to_string(kind));
  return names;
}

std::vector<std::string> safety_problems(const Plan& plan, const DesiredState& desired,
                                         const LiveState& live) {
  std::vector<std::string> problems;
  // A custom entry is deleted account-wide: not from under a profile that shares it.
  for (const Change& change : plan.changes) {
    for (const std::string& use : change.shared_with) {
      const std::string what =
          change.kind == ResourceKind::dlp_profile
              ? "deleting dlp profile \"" + change.name + "\""
              : "deleting entry \"" + change.name + "\" of dlp profile \"" + change.parent + "\"";
      problems.push_back(what + ": " + use +
                         "; Cloudflare deletes an entry from every profile that lists it (take it "
                         "out of their shared_entries first)");
    }
  }
  for (ResourceKind kind : k_kinds) {
    std::size_t removed = 0;
    for (const Change& change : plan.changes) {
      if (change.kind != kind) continue;
      if (change.action == Action::delete_ || change.action == Action::replace) ++removed;
    }
    if (removed == 0) continue;
    const std::string name(to_string(kind));
    const auto configured = desired.safety.find(name);
    const SafetyLimits limits =
        configured == desired.safety.end() ? SafetyLimits{} : configured->second;
    const Counts count = counts(kind, desired, live);
    const std::string what = std::to_string(removed) + " of " + std::to_string(count.live) +
                             " live " + name + " (" + percent(removed, count.live) + ")";
    if (count.desired == 0 && !limits.allow_empty) {
      problems.push_back(name + ": the configuration declares none, and the plan would delete " +
                         what + "; set safety." + name + ".allow_empty: true if that is meant");
      continue;
    }
    if (count.live < static_cast<std::size_t>(k_safety_minimum)) continue;
    if (removed * 100 > static_cast<std::size_t>(limits.max_delete_percent) * count.live) {
      problems.push_back(name + ": the plan would delete or replace " + what + ", more than " +
                         std::to_string(limits.max_delete_percent) + "% (safety." + name +
                         ".max_delete_percent)");
    } else if (removed > static_cast<std::size_t>(limits.max_delete_count)) {
      problems.push_back(name + ": the plan would delete or replace " + what + ", more than " +
                         std::to_string(limits.max_delete_count) + " (safety." + name +
                         ".max_delete_count)");
    }
  }
  return problems;
}

}  // namespace cfsync::reconcile
