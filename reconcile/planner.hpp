// The diff: desired + live -> Plan. Pure and deterministic: no I/O, no clock, no logging.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

namespace cfsync::reconcile {

// Fails (ErrorKind::plan) only when the live state cannot be matched to the desired state
// without guessing.
[[nodiscard]] Result<Plan> plan(const DesiredState& desired, const LiveState& live);

// The settings diff on its own: the fields of `desired` that differ from `live`, as a patch.
// Absent desired fields are never part of it.
[[nodiscard]] DesiredDlpSettings settings_patch(const DesiredDlpSettings& desired,
                                                const LiveDlpSettings& live);

}  // namespace cfsync::reconcile
