// What a person or a pipeline reads: the plan, and what apply did. Text reads like
// `terraform plan`; JSON has the stable shape documented in README.md ("JSON output").
#pragma once

#include "api/provider.hpp"
#include "daemon/mask_key.hpp"
#include "reconcile/plan.hpp"

#include <optional>
#include <string>

namespace cfsync::daemon {

struct RenderOptions {
  bool color = false;           // ANSI colours (text only)
  bool show_sensitive = false;  // regexes and word lists in clear instead of a digest
  // The key of the digests that stand for secret values; without one they show their length
  // only.
  const MaskKey* mask_key = nullptr;
};

// Where a plan comes from, shown above it: the commit of the configuration (when it is a git
// checkout) and whether the configuration is suspended (then nothing of it is applied).
struct PlanOrigin {
  std::optional<std::string> revision;  // "main@sha1:<40 hex>"
  bool suspended = false;
};

[[nodiscard]] std::string plan_text(const Plan& plan, const std::string& account_id,
                                    RenderOptions options, const PlanOrigin& origin = {});
// "revision" (or null) and "suspended" are in the JSON when `origin` is given; a saved plan's
// JSON leaves them out, so that the same changes from another commit are the same plan.
[[nodiscard]] std::string plan_json(const Plan& plan, const std::string& account_id,
                                    RenderOptions options,
                                    const std::optional<PlanOrigin>& origin = std::nullopt);

[[nodiscard]] std::string apply_text(const Plan& plan, const api::ApplyReport& report,
                                     RenderOptions options);
[[nodiscard]] std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                                     const std::string& account_id, RenderOptions options);

// How a protected value reads when it is not shown: "hmac:1a2b3c4d… (23 chars)", the first 32
// bits of its HMAC-SHA256 under `key` (null: "(23 chars)" alone).
[[nodiscard]] std::string digest_of(const Protected& value, const MaskKey* key);
// How a file's content reads: "hmac:1a2b3c4d… (2048 bytes)", keyed like digest_of.
[[nodiscard]] std::string digest_of(const Content& value, const MaskKey* key);

}  // namespace cfsync::daemon
