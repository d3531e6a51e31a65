// Saved plans (`plan --out FILE`, `apply FILE`): the plan a reviewer approved, with digests of
// the configuration and of the live state it was computed from, so that apply can refuse to do
// anything else.
#pragma once

#include "config/load.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cfsync::daemon {

// The digests are keyed (MaskKey of the state directory): a saved plan is no oracle for the
// secrets it was computed from, and is applied with the state directory it was made with.
struct SavedPlan {
  std::string account_id;
  std::string key_id;          // MaskKey::id() of the key of the digests below
  std::string desired_digest;  // of desired_digest() of the configuration
  std::string live_digest;     // of CloudflareProvider::live_digest() of what populate read
  std::string plan_digest;     // of the plan's JSON rendering (masked, as in the file)
  std::string plan_json;       // that rendering, kept in the file for the reviewer
};

// SHA-256 (hex) of what a configuration is made of: each file it read (YAML and referenced) by
// path below the root and content, each dataset's content digest, each document's path and size.
// The line that declares `suspend:` does not count: suspending and resuming leave the digest as
// it was, so that what a suspended pass plans against the configuration last applied is still
// told apart as drift. Fails when a file of it cannot be read again.
[[nodiscard]] Result<std::string> desired_digest(const config::Config& config);

// Written atomically; the plan in it shows sensitive values masked, as `plan --output json` does.
[[nodiscard]] Result<void> write_saved_plan(const std::filesystem::path& file,
                                            const SavedPlan& saved);
[[nodiscard]] Result<SavedPlan> read_saved_plan(const std::filesystem::path& file);

// The desired_digest() of the configuration last applied in full to `account_id` from this
// state directory, if one is recorded: a plan against the same configuration is drift.
[[nodiscard]] std::optional<std::string> last_applied(const std::filesystem::path& state_dir,
                                                      const std::string& account_id);
// The account the last apply from this state directory was made to, if one is recorded.
[[nodiscard]] std::optional<std::string> last_applied_account(
    const std::filesystem::path& state_dir);
// Records it, with the git revision it came from when there is one ("main@sha1:…"); a record
// that cannot be written only loses the drift class of the next plan.
[[nodiscard]] Result<void> record_applied(const std::filesystem::path& state_dir,
                                          const std::string& account_id,
                                          const std::string& desired_sha256,
                                          const std::string& revision = {});

// What moved since `saved`, one line each; empty when `now` yields the same plan.
[[nodiscard]] std::vector<std::string> saved_plan_drift(const SavedPlan& saved,
                                                        const SavedPlan& now);

}  // namespace cfsync::daemon
