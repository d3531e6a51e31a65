// Internal to api/: CloudflareProvider's seam, one part per resource family (reconcile/family.hpp).
// A part reads its family's live state, sends its family's changes and checks the answers, and
// waits after the apply for what the API still does on its own (dataset processing, indexing).
// Adding a family: a provider_<family>.cpp with its part, and one line in provider_families.cpp.
#pragma once

#include "api/clock.hpp"
#include "api/provider.hpp"
#include "api/transport.hpp"
#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace spdlog {
class logger;
}

namespace cfsync::api {

// What every part shares.
struct ProviderContext {
  Transport& transport;
  std::string account_id;
  std::shared_ptr<spdlog::logger> logger;
  // How many requests may be in flight at once (--max-in-flight), for reads side by side.
  std::size_t max_in_flight = 1;
  // How long a write may wait for the API (a key a queued delete still holds), on `clock`.
  std::chrono::milliseconds wait_timeout{0};
  Clock* clock = &system_clock();
};

class FamilyProvider {
 public:
  explicit FamilyProvider(ProviderContext& context) : m_context(context) {}
  virtual ~FamilyProvider() = default;
  FamilyProvider(const FamilyProvider&) = delete;
  FamilyProvider& operator=(const FamilyProvider&) = delete;

  // Reads what `desired` declares of the family into `live`: nothing when it declares none.
  [[nodiscard]] virtual Result<void> populate(const DesiredState& desired, LiveState& live) = 0;
  // One change of the family: its requests, and the check of what the API answered.
  [[nodiscard]] virtual Result<void> write(const Change& change, ChangeOutcome& outcome) = 0;
  // After the apply: waits for what the API does on its own with what was sent, into `report`.
  [[nodiscard]] virtual Result<void> after_apply(const Plan& /*plan*/, ApplyReport& /*report*/,
                                                 const AfterApply& /*options*/) {
    return {};
  }

 protected:
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) {
    return m_context.transport.send(request);
  }
  // A create or upload: when its answer is lost, `landed` looks for what it would have made.
  [[nodiscard]] Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                const Transport::Landed& landed) {
    return m_context.transport.send_unique(request, landed);
  }
  // Runs `task(0)` … `task(count - 1)` side by side (api/side_by_side.hpp); the transport keeps
  // the reads in flight within --max-in-flight.
  [[nodiscard]] Result<void> side_by_side(std::size_t count,
                                          const std::function<Result<void>(std::size_t)>& task);
  [[nodiscard]] const std::string& account_id() const { return m_context.account_id; }
  [[nodiscard]] spdlog::logger& log() const { return *m_context.logger; }

  // Sends `change`'s payload to the part's `apply` overload for its type; a payload of another
  // family cannot reach a part (the family is looked up from the change's kind).
  template <class Part>
  static Result<void> dispatch(Part& part, const Change& change, ChangeOutcome& outcome) {
    return std::visit(
        [&](const auto& payload) -> Result<void> {
          if constexpr (requires { part.apply(payload, outcome); }) {
            return part.apply(payload, outcome);
          } else {
            return Error(ErrorKind::apply, "internal error: a change sent to another family");
          }
        },
        change.payload);
  }

  ProviderContext& m_context;
};

// A part whose write sends each payload to `Part::apply`, the overload for its type.
template <class Part>
class PartOf : public FamilyProvider {
 public:
  using FamilyProvider::FamilyProvider;
  [[nodiscard]] Result<void> write(const Change& change, ChangeOutcome& outcome) final {
    return dispatch(static_cast<Part&>(*this), change, outcome);
  }
};

using MakeFamilyProvider = std::unique_ptr<FamilyProvider> (*)(ProviderContext& context);

struct FamilyProviderEntry {
  std::string_view family;  // reconcile::Family::name
  MakeFamilyProvider make;
};

// The part of each family: provider_families.cpp.
[[nodiscard]] std::span<const FamilyProviderEntry> family_providers();

// "profile / entry" for entries and items, else the name: for logs and reports.
[[nodiscard]] std::string subject(const Change& change);
// What a refused request means for the person running cfsync (401, 403: the token's rights).
[[nodiscard]] Error explained(Error error, const std::string& account_id);

// The answer to a write did not show what was written: `what` names the fields.
[[nodiscard]] Error not_applied(std::string_view what);
// The answer to a DELETE: a 404 is success (gone already: a retried delete whose first answer
// was lost), and so is a 2xx without a body (the spec declares none for some); anything else
// must be a success envelope.
[[nodiscard]] Result<void> check_deleted(const HttpResponse& response, spdlog::logger& log,
                                         std::string_view what);

}  // namespace cfsync::api
