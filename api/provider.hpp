// The Cloudflare side of a reconcile: read the live state the desired state asks about, and
// apply a plan's changes.
#pragma once

#include "api/clock.hpp"
#include "api/transport.hpp"
#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace cfsync::api {

struct ChangeOutcome {
  std::size_t change = 0;      // index into Plan::changes
  std::optional<Error> error;  // nothing when the change was applied and verified
  std::string item_id;         // the AI Search item an upload made
  // A dataset upload: the dataset (new after a create) and the version its content went into,
  // set once every byte was accepted.
  std::string dataset_id;
  std::optional<std::int64_t> dataset_version;
};

// How the uploaded datasets fared in processing.
struct ProcessedDataset {
  std::string name;
  std::int64_t version = 0;
  UploadStatus status = UploadStatus::uploading;  // not final when the wait timed out
  std::vector<std::string> failed_columns;        // EDM columns whose upload_status is failed
};

struct ProcessingReport {
  std::vector<ProcessedDataset> datasets;
  bool timed_out = false;

  [[nodiscard]] bool ok() const;
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
  std::vector<ChangeOutcome> outcomes;         // one per change, in plan order
  std::optional<IndexingReport> indexing;      // when apply waited for indexing
  std::optional<ProcessingReport> processing;  // when datasets were uploaded

  [[nodiscard]] bool ok() const;
};

// What the families wait for after an apply, and how long.
struct AfterApply {
  std::chrono::milliseconds timeout{0};
  Clock* clock = &system_clock();
  bool wait_for_indexing = false;  // --wait: until what was uploaded is indexed
};

class DigestingTransport;
class LimitedTransport;
class FamilyProvider;
struct ProviderContext;

// Reads and writes the account, one part per resource family (api/provider_family.hpp).
class CloudflareProvider {
 public:
  // `max_in_flight` changes are applied at once (Schedule keeps the order that matters); 1
  // applies them one by one in plan order.
  CloudflareProvider(Transport& transport, std::string account_id,
                     std::shared_ptr<spdlog::logger> logger, std::size_t max_in_flight = 1);
  ~CloudflareProvider();

  // Reads only what `desired` declares: no settings declared, no settings request.
  [[nodiscard]] Result<LiveState> populate(const DesiredState& desired);
  // SHA-256 (hex) of what the last populate read, request by request: equal while the account
  // holds the same (server-side timestamps included).
  [[nodiscard]] const std::string& live_digest() const { return m_live_digest; }

  // Every AI Search namespace and instance of the account, with their settings: what
  // `cfsync export` reads first.
  [[nodiscard]] Result<LiveAiSearchStack> list_ai_search();
  // The content of an uploaded item, as the instance stores it.
  [[nodiscard]] Result<std::string> download_item(const std::string& namespace_name,
                                                  const std::string& instance_id,
                                                  const std::string& item_id);

  // How long apply may wait for the API (a key a queued delete still holds), on `clock`.
  void set_wait(std::chrono::milliseconds timeout, Clock& clock);

  // Applies every change and checks what the API reports back against what was sent. A change
  // that fails does not stop the others, except those of its lane after a failed create.
  // `applied` sees each outcome as soon as it is known (to record dataset uploads at once), one
  // call at a time.
  // Once `stop` is set, no change starts; those left are reported as not attempted.
  [[nodiscard]] ApplyReport apply(const Plan& plan,
                                  const std::function<void(const ChangeOutcome&)>& applied = {},
                                  const std::atomic<bool>* stop = nullptr);

  // After `apply`, what the API still does on its own: dataset processing (always waited for:
  // an upload is not done before), and with `options.wait_for_indexing` the indexing of uploaded
  // documents; each polled with a back-off from a quarter of a second to five seconds, until
  // `options.timeout`. Fills `report.processing` and `report.indexing`; returns what could not
  // be waited for (the API unreachable), each error saying which wait.
  [[nodiscard]] std::vector<Error> after_apply(const Plan& plan, ApplyReport& report,
                                               const AfterApply& options);

 private:
  [[nodiscard]] FamilyProvider& part_of(ResourceKind kind);
  [[nodiscard]] ChangeOutcome apply_one(const Change& change, std::size_t index);

  std::size_t m_max_in_flight = 1;
  std::unique_ptr<LimitedTransport> m_limited;  // reads within m_max_in_flight
  std::unique_ptr<DigestingTransport> m_transport;
  std::unique_ptr<ProviderContext> m_context;
  std::vector<std::pair<std::string_view, std::unique_ptr<FamilyProvider>>> m_parts;
  std::string m_live_digest;
};

}  // namespace cfsync::api
