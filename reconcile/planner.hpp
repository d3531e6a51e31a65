// The diff: desired + live -> Plan. Pure and deterministic: no I/O, no clock, no logging.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <map>
#include <string>
#include <vector>

namespace cfsync::reconcile {

// Fails (ErrorKind::plan, one detail line per problem) when the live state cannot be matched to
// the desired state without guessing, or when a change cannot be made through the API.
[[nodiscard]] Result<Plan> plan(const DesiredState& desired, const LiveState& live);

// The settings diff on its own: the fields of `desired` that differ from `live`, as a patch.
// Absent desired fields are never part of it.
[[nodiscard]] DesiredDlpSettings settings_patch(const DesiredDlpSettings& desired,
                                                const LiveDlpSettings& live);

// Custom and predefined profiles: appends their changes (and unmanaged profiles) to `plan`, and
// what makes a safe plan impossible to `problems`.
void plan_profiles(const DesiredState& desired, const LiveProfiles& live, Plan& plan,
                   std::vector<std::string>& problems);

// What each DLP entry the account has is, by lower-case id, for a person reading a plan or an
// export that names it by id: `"Visa" of predefined profile "Financial Information"`, `column
// "ssn" of dataset "Employees"`, or the name the API gave a shared entry.
[[nodiscard]] std::map<std::string, std::string> entry_notes(const LiveState& live);

// The declared fields of a custom profile that differ from the live profile (entries aside):
// used by the plan, and by apply to check what the API answered.
[[nodiscard]] std::vector<FieldChange> profile_field_changes(const DesiredProfile& desired,
                                                             const LiveProfile& live);

// AI Search documents: uploads, replaces and (when the instance prunes) deletes; unmanaged
// items otherwise. `live` holds one instance per desired instance, in the same order. An
// instance the plan makes anew (`stack`: reconcile/ai_search_stack.hpp) gets every document.
void plan_ai_search(const DesiredState& desired, const std::vector<LiveInstance>& live, Plan& plan,
                    std::vector<std::string>& problems, const LiveAiSearchStack* stack = nullptr);

// DLP datasets: creates, setting updates and uploads of new versions, then (when
// prune.datasets) deletes; unmanaged datasets otherwise.
void plan_datasets(const DesiredState& desired, const LiveDatasets& live, Plan& plan,
                   std::vector<std::string>& problems);
// Dataset deletes come last: they run after the profiles that may use a dataset changed.
void plan_dataset_deletes(const DesiredState& desired, const LiveDatasets& live, Plan& plan);

// The digests each document needs: SHA-256 always (an upload records it; a comparison falls back
// on it), and the algorithm of the checksum of the live item with its key, if there is one.
// {instance index, document index, that checksum or ""}.
struct DigestNeed {
  std::size_t instance = 0;
  std::size_t document = 0;
  std::string checksum;
};
[[nodiscard]] std::vector<DigestNeed> digests_needed(const DesiredState& desired,
                                                     const std::vector<LiveInstance>& live);

// Server-side normalisation: ids in lower case, lists sorted, so that order never diffs.
[[nodiscard]] LiveProfile normalised(LiveProfile live);

}  // namespace cfsync::reconcile
