// Resource families: the reconcile side of each part of the account cfsync manages (DLP settings,
// DLP profiles, DLP datasets, AI Search), as one record each. Whatever differs between kinds —
// their names, where their changes run in an apply, how the safety limits count them, how a
// plan names them, the setting that would delete what is left alone — is a field of the record,
// and the rest of cfsync looks it up instead of switching on the kind.
//
// Adding a family: a planner file that defines its record, and one line in families.cpp.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::reconcile {

// Live and declared objects of one kind, for the safety limits.
struct SafetyCount {
  std::size_t live = 0;
  std::size_t desired = 0;
};

struct KindTraits {
  ResourceKind kind;
  std::string_view name;  // as in plans and `safety:`: "dlp_profile"
  // How a plan names one: `dlp profile "Employees"`, `entry "e" of dlp profile "Employees"`; no
  // noun: the change's name alone (a singleton, "dlp settings").
  std::string_view noun;
  std::string_view parent_noun;
  // The safety limits' counts of this kind; none: its deletes are not limited.
  SafetyCount (*count)(const DesiredState&, const LiveState&) = nullptr;
  // For live objects left alone: the setting that would delete them.
  std::string_view left_alone_hint;

  [[nodiscard]] bool singleton() const { return noun.empty(); }
};

// Where a change runs in an apply (reconcile/schedule.hpp): its stage within the family's track,
// its lane (changes of one lane run one after the other), and the lane whose earlier changes it
// waits for, if any (an entry waits for its profile's changes, not for the other entries).
struct Placement {
  int stage = 0;
  std::string lane;
  std::string after;
};

// One part of the diff: appends changes (and unmanaged objects) to `plan` and what makes a safe
// plan impossible to `problems`; fails when what it needs was not read. Steps run in the order
// of their track and stage, which is the order their changes may run in.
struct PlanStep {
  int stage = 0;
  Result<void> (*run)(const DesiredState&, const LiveState&, Plan&,
                      std::vector<std::string>& problems) = nullptr;
};

struct Family {
  std::string_view name;  // "dlp_profiles"
  // Families of different tracks never wait for each other in an apply.
  int track = 0;
  std::span<const KindTraits> kinds;
  std::span<const PlanStep> plan_steps;
  Placement (*place)(const Change&) = nullptr;
  // What the configuration declares of this family, for `cfsync validate`: "3 dlp profile(s)".
  void (*declared)(const DesiredState&, std::vector<std::string>& parts) = nullptr;
};

// Every family, in the order plans, safety problems and summaries list them.
[[nodiscard]] std::span<const Family* const> families();
[[nodiscard]] const Family& family_of(ResourceKind kind);
[[nodiscard]] const KindTraits& traits_of(ResourceKind kind);
// The kind named `name` ("dlp_profile"), if any.
[[nodiscard]] const KindTraits* kind_named(std::string_view name);

// How people call the resource a change is about, each name passed through `quote`:
// `dlp profile "Employees"`, `entry "e" of dlp profile "Employees"`, `dlp settings`.
[[nodiscard]] std::string described(const Change& change,
                                    std::string (*quote)(std::string_view text));

}  // namespace cfsync::reconcile
