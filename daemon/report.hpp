// What a person or a pipeline reads: the plan, and what apply did. Text reads like
// `terraform plan`; JSON has the stable shape documented in README.md ("JSON output").
#pragma once

#include "api/provider.hpp"
#include "daemon/mask_key.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::daemon {

struct RenderOptions {
  bool color = false;           // ANSI colours (text only)
  bool show_sensitive = false;  // regexes and word lists in clear instead of a digest
  // The key of the digests that stand for secret values; without one they show their length
  // only.
  const MaskKey* mask_key = nullptr;
};

// What is shown with a plan without being one of its changes: where it comes from (the commit
// of the configuration, when it is a git checkout, and whether the configuration is suspended:
// then nothing of it is applied), and why apply would refuse it without --force.
struct PlanOrigin {
  std::optional<std::string> revision;  // "main@sha1:<40 hex>"
  bool suspended = false;
  std::vector<std::string> safety;  // reconcile::safety_problems, one line each
};

[[nodiscard]] std::string plan_text(const Plan& plan, const std::string& account_id,
                                    RenderOptions options, const PlanOrigin& origin = {});
// "revision" (or null), "suspended" and "safety" (an array, empty when none) are in the JSON
// when `origin` is given; a saved plan's JSON leaves them out, so that the same changes from
// another commit are the same plan (its digests pin what the safety lines are computed from).
[[nodiscard]] std::string plan_json(const Plan& plan, const std::string& account_id,
                                    RenderOptions options,
                                    const std::optional<PlanOrigin>& origin = std::nullopt);

[[nodiscard]] std::string apply_text(const Plan& plan, const api::ApplyReport& report,
                                     RenderOptions options);
[[nodiscard]] std::string apply_json(const Plan& plan, const api::ApplyReport& report,
                                     const std::string& account_id, RenderOptions options);

// Markdown to paste as a pull request's comment (GitHub, GitLab): the origin and the safety
// refusals on top, a table of the changes by kind and action, then one collapsible section per
// change with its fields as a diff. Values read as in text (secrets as the same digests); what
// comes from names and values is escaped, so that none of it is markup, a mention or a link.
[[nodiscard]] std::string plan_markdown(const Plan& plan, const std::string& account_id,
                                        RenderOptions options, const PlanOrigin& origin = {});
[[nodiscard]] std::string apply_markdown(const Plan& plan, const api::ApplyReport& report,
                                         const std::string& account_id, RenderOptions options);

// With --output json, a command that fails prints this on stdout, so that a pipeline never reads
// an empty stdout: {"error": {"kind": "config", "message": "...", "details": ["..."]}}. `kind`
// is ErrorKind's name; `message` and `details` are the lines the log prints on stderr.
[[nodiscard]] std::string error_json(const Error& error);
// The same shape for what is not an Error (`kind` "fatal": an exception reached main).
[[nodiscard]] std::string error_json(std::string_view kind, std::string_view message);

// `validate --output json`: {"valid": true, "account_id": "...", "files": 2, "declares":
// ["dlp settings", ...]}, `declares` as the text says it.
[[nodiscard]] std::string validate_json(const std::string& account_id, std::size_t files,
                                        const std::vector<std::string>& declares);

// How a protected value reads when it is not shown: "hmac:1a2b3c4d… (23 chars)", the first 32
// bits of its HMAC-SHA256 under `key` (null: "(23 chars)" alone).
[[nodiscard]] std::string digest_of(const Protected& value, const MaskKey* key);
// How a file's content reads: "hmac:1a2b3c4d… (2048 bytes)", keyed like digest_of, then the
// dataset version holding it when known: "version 7", "version 7 (failed)".
[[nodiscard]] std::string digest_of(const Content& value, const MaskKey* key);

}  // namespace cfsync::daemon
