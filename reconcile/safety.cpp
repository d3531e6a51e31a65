#include "reconcile/safety.hpp"

#include "reconcile/family.hpp"

namespace cfsync::reconcile {

namespace {

std::string percent(std::size_t part, std::size_t whole) {
  return std::to_string(whole == 0 ? 0 : (part * 100 + whole / 2) / whole) + "%";
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The limits of one kind: a plan may not take away more than they allow.
void check_limits(const KindTraits& kind, const Plan& plan, const DesiredState& desired,
                  const LiveState& live, std::vector<std::string>& problems) {
  std::size_t removed = 0;
  for (const Change& change : plan.changes) {
    if (change.kind != kind.kind) continue;
    if (change.action == Action::delete_ || change.action == Action::replace) ++removed;
  }
  if (removed == 0) return;
  const std::string name(kind.name);
  const auto configured = desired.safety.find(kind.kind);
  const SafetyLimits limits =
      configured == desired.safety.end() ? SafetyLimits{} : configured->second;
  const SafetyCount count = kind.count(desired, live);
  const std::string what = std::to_string(removed) + " of " + std::to_string(count.live) +
                           " live " + name + " (" + percent(removed, count.live) + ")";
  if (count.desired == 0 && !limits.allow_empty) {
    problems.push_back(name + ": the configuration declares none, and the plan would delete " +
                       what + "; set safety." + name + ".allow_empty: true if that is meant");
    return;
  }
  if (count.live < static_cast<std::size_t>(k_safety_minimum)) return;
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

}  // namespace

std::vector<std::string_view> safety_kinds() {
  std::vector<std::string_view> names;
  for (const Family* family : families()) {
    for (const KindTraits& kind : family->kinds) {
      if (kind.count) names.push_back(kind.name);
    }
  }
  return names;
}

std::vector<std::string> safety_problems(const Plan& plan, const DesiredState& desired,
                                         const LiveState& live) {
  std::vector<std::string> problems;
  // A custom entry is deleted account-wide: not from under a profile that shares it.
  for (const Change& change : plan.changes) {
    for (const std::string& use : change.shared_with) {
      problems.push_back("deleting " + described(change, quoted) + ": " + use +
                         "; Cloudflare deletes an entry from every profile that lists it (take it "
                         "out of their shared_entries first)");
    }
  }
  for (const Change& change : plan.changes) {
    for (const std::string& loss : change.takes_along) {
      problems.push_back(std::string(to_string(change.action)) + " of " +
                         described(change, quoted) + ": " + loss);
    }
  }
  for (const Family* family : families()) {
    for (const KindTraits& kind : family->kinds) {
      if (kind.count) check_limits(kind, plan, desired, live, problems);
    }
  }
  return problems;
}

}  // namespace cfsync::reconcile
