// What a person or a pipeline reads: the plan, and what apply did. Text reads like
// `terraform plan`; JSON has the stable shape documented in README.md ("JSON output").
#pragma once

#include "api/provider.hpp"
#include "reconcile/plan.hpp"

#include <string>

namespace cfsync::daemon {

struct RenderOptions {
  bool color = false;           // ANSI colours (text only)
  bool show_sensitive = false;  // regexes and word lists in clear instead of a digest
};

[[nodiscard]] std::string plan_text(const Plan& plan, const std::string& account_id,
                                    RenderOptions options);
[[nodiscard]] std::string plan_json(const Plan& plan, const std::string& account_id,
                                    RenderOptions options);

[[nodiscard]] std::string apply_text(const Plan& plan, const api::ApplyReport& report,
                                     RenderOptions options);
[[nodiscard]] std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                                     const std::string& account_id, RenderOptions options);

// How a protected value reads when it is not shown: "sha256:1a2b3c4d… (23 chars)".
[[nodiscard]] std::string digest_of(const Protected& value);

}  // namespace cfsync::daemon
