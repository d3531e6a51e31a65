// The Cloudflare side of a reconcile: read the live state the desired state asks about, and
// apply a plan's changes.
#pragma once

#include "api/clock.hpp"
#include "api/transport.hpp"
#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <chrono>
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
  std::string item_id;         // the AI Search item an upload made
};

// How the uploaded documents fared in indexing.
struct IndexedItem {
  std::string instance;  // namespace/id
  std::string key;
  ItemStatus status = ItemStatus::queued;  // not final when the wait timed out
  std::string error;
};

struct IndexingReport {
  std::vector<IndexedItem> items;
  bool timed_out = false;

  [[nodiscard]] bool ok() const;
};

struct ApplyReport {
  std::vector<ChangeOutcome> outcomes;     // one per change, in plan order
  std::optional<IndexingReport> indexing;  // when apply waited for indexing

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

  // Polls the items `report`'s uploads made until each is completed, errored or skipped, or
  // until `timeout`; backs off from a quarter of a second to five seconds between rounds.
  [[nodiscard]] Result<IndexingReport> wait_for_indexing(const Plan& plan,
                                                         const ApplyReport& report,
                                                         std::chrono::milliseconds timeout,
                                                         Clock& clock);

 private:
  [[nodiscard]] Result<LiveDlpSettings> read_settings();
  [[nodiscard]] Result<LiveProfiles> read_profiles();
  // Every uploaded item of an instance, page after page.
  [[nodiscard]] Result<LiveInstance> read_instance(const std::string& namespace_name,
                                                   const std::string& instance_id);
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request);

  // One request per payload (two for a replace); each checks what the API answered against what
  // it was asked, and notes what it made in `outcome`.
  [[nodiscard]] Result<void> write(const DesiredDlpSettings& patch, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const CreateProfile& create, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UpdateProfile& update, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const DeleteProfile& remove, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const CreateEntry& create, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UpdateEntry& update, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const DeleteEntry& remove, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UpdatePredefinedProfile& update, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const TogglePredefinedEntry& toggle, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UploadItem& upload, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const DeleteItem& remove, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const ReplaceItem& replace, ChangeOutcome& outcome);
  // A 409 on upload: re-list the key and decide whether the item there is this document.
  [[nodiscard]] Result<void> resolve_conflict(const UploadItem& upload, ChangeOutcome& outcome);

  Transport& m_transport;
  std::string m_account_id;
  std::shared_ptr<spdlog::logger> m_logger;
};

}  // namespace cfsync::api
