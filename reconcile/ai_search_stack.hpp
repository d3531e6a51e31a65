// AI Search namespaces and instances as code: what the other parts of cfsync ask of the plan of
// their settings (reconcile/ai_search_stack_planner.cpp).
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cfsync::reconcile {

// The instance the listing answered, if any.
[[nodiscard]] const LiveInstanceInfo* find_instance(const LiveAiSearchStack& stack,
                                                    std::string_view namespace_name,
                                                    std::string_view id);

// Whether the plan makes the declared instance anew (it does not exist, or a setting only a
// create sets changes): its documents are then all uploaded, whatever the old one held.
[[nodiscard]] bool starts_empty(const DesiredInstance& desired, const LiveInstance& live,
                                const LiveAiSearchStack* stack);

// The leaves of `desired` that `live` does not match, as a plan shows them: for checking what
// the API answered to a write.
[[nodiscard]] std::vector<FieldChange> setting_differences(const Settings& desired,
                                                           const Settings& live);

// The lane of an instance's changes in an apply: its documents' changes wait for it.
[[nodiscard]] std::string instance_lane(std::string_view label);

}  // namespace cfsync::reconcile
