// The Cloudflare side of a reconcile: read the live state the desired state asks about, and
// apply a plan's changes.
#pragma once

#include "api/transport.hpp"
#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace cfsync::api {

struct ChangeOutcome {
  std::size_t change = 0;      // index into Plan::changes
  std::optional<Error> error;  // nothing when the change was applied and verified
};

struct ApplyReport {
  std::vector<ChangeOutcome> outcomes;  // one per change, in plan order

  [[nodiscard]] bool ok() const;
};

class CloudflareProvider {
 public:
  CloudflareProvider(Transport& transport, std::string account_id,
                     std::shared_ptr<spdlog::logger> logger);

  // Reads only what `desired` declares: no settings declared, no settings request.
  [[nodiscard]] Result<LiveState> populate(const DesiredState& desired);

  // Applies every change in order and checks what the API reports back against what was sent.
  [[nodiscard]] ApplyReport apply(const Plan& plan);

 private:
  [[nodiscard]] Result<LiveDlpSettings> read_settings();
  [[nodiscard]] Result<LiveProfiles> read_profiles();
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request);

  // One request per payload; each checks what the API answered against what it was asked.
  [[nodiscard]] Result<void> write(const DesiredDlpSettings& patch);
  [[nodiscard]] Result<void> write(const CreateProfile& create);
  [[nodiscard]] Result<void> write(const UpdateProfile& update);
  [[nodiscard]] Result<void> write(const DeleteProfile& remove);
  [[nodiscard]] Result<void> write(const CreateEntry& create);
  [[nodiscard]] Result<void> write(const UpdateEntry& update);
  [[nodiscard]] Result<void> write(const DeleteEntry& remove);
  [[nodiscard]] Result<void> write(const UpdatePredefinedProfile& update);
  [[nodiscard]] Result<void> write(const TogglePredefinedEntry& toggle);

  Transport& m_transport;
  std::string m_account_id;
  std::shared_ptr<spdlog::logger> m_logger;
};

}  // namespace cfsync::api
