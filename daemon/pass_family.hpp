// What a reconcile pass does for a resource family beyond reading and writing the account: the
// state it keeps on this machine between runs (what was uploaded to each dataset and as each
// AI Search item, the digest cache) and the options that shape its plan. One part per family
// that needs any (reconcile/family.hpp); adding one is a pass_<family>.cpp and a line in
// pass_families.cpp.
#pragma once

#include "api/provider.hpp"
#include "daemon/cli.hpp"
#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

// What could not be written to the state directory during a pass: each failure logged once, at
// error level. The pass fails, even if every change was applied.
class StateErrors {
 public:
  explicit StateErrors(spdlog::logger& log) : m_log(log) {}
  void note(const Error& error);
  [[nodiscard]] std::vector<std::string> take() { return std::move(m_messages); }

 private:
  spdlog::logger& m_log;
  std::vector<std::string> m_messages;
};

class PassFamily {
 public:
  virtual ~PassFamily() = default;

  // After populate, before the plan: what this machine knows goes into `live` and `desired`
  // (upload records, content digests), with the options that shape the family's plan.
  [[nodiscard]] virtual Result<void> prepare(DesiredState& desired, LiveState& live,
                                             const Options& options) = 0;
  // Before the first write: the state the apply of `plan` will add to can be written. An
  // upload without its record would be sent again by every run.
  [[nodiscard]] virtual Result<void> before_apply(const Plan& /*plan*/) { return {}; }
  // A change of the family, as soon as its outcome is known (one call at a time).
  virtual void applied(const Change& /*change*/, const api::ChangeOutcome& /*outcome*/,
                       StateErrors& /*errors*/) {}
  // After the apply, stopped or not.
  virtual void after_apply(StateErrors& /*errors*/) {}
};

using MakePassFamily = std::unique_ptr<PassFamily> (*)(const std::filesystem::path& state_dir,
                                                       spdlog::logger& log);

struct PassFamilyEntry {
  std::string_view family;  // reconcile::Family::name
  MakePassFamily make;
};

// The families that keep state or take options: pass_families.cpp.
[[nodiscard]] std::vector<std::pair<std::string_view, std::unique_ptr<PassFamily>>>
make_pass_families(const std::filesystem::path& state_dir, spdlog::logger& log);

// Whether `plan` holds a change whose payload is one of `Payloads`.
template <class... Payloads>
[[nodiscard]] bool plan_holds(const Plan& plan) {
  return std::any_of(plan.changes.begin(), plan.changes.end(), [](const Change& change) {
    return (std::holds_alternative<Payloads>(change.payload) || ...);
  });
}

// The records could not be written before the apply: refused, before any write.
[[nodiscard]] Error state_refusal(const Error& cause);

}  // namespace cfsync::daemon
