// What a person or a pipeline reads: the plan, and what apply did. Text reads like
// `terraform plan`; JSON has the stable shape documented in README.md ("JSON output").
#pragma once

#include "api/provider.hpp"
#include "reconcile/plan.hpp"

#include <string>

namespace cfsync::daemon {

struct TextStyle {
  bool color = false;
};

[[nodiscard]] std::string plan_text(const Plan& plan, const std::string& account_id,
                                    TextStyle style);
[[nodiscard]] std::string plan_json(const Plan& plan, const std::string& account_id);

[[nodiscard]] std::string apply_text(const Plan& plan, const api::ApplyReport& report,
                                     TextStyle style);
[[nodiscard]] std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                                     const std::string& account_id);

}  // namespace cfsync::daemon
