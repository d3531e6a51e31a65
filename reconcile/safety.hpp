// Safety rails: a plan that would take away too much of a kind is refused before any write
// (octoDNS's update thresholds, per kind). Pure: counts from the plan and the live state.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"

#include <string>
#include <vector>

namespace cfsync::reconcile {

// The kinds whose objects a plan can delete or replace, as named in `safety:`.
[[nodiscard]] std::vector<std::string_view> safety_kinds();

// Why `plan` must not be applied, one line per kind and rule, naming the numbers; empty when it
// may. A kind goes over when it would delete or replace more than max_delete_percent of its live
// objects or more than max_delete_count of them (both once at least k_safety_minimum exist), or
// when the configuration declares none of it and the plan deletes any, unless allow_empty. A
// delete that takes a custom entry from another profile's shared_entries is always a problem.
[[nodiscard]] std::vector<std::string> safety_problems(const Plan& plan,
                                                       const DesiredState& desired,
                                                       const LiveState& live);

}  // namespace cfsync::reconcile
