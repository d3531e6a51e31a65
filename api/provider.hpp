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

class CloudflareProvider {
 public:
  // `max_in_flight` changes are applied at once (Schedule keeps the order that matters); 1
  // applies them one by one in plan order.
  CloudflareProvider(Transport& transport, std::string account_id,
                     std::shared_ptr<spdlog::logger> logger, std::size_t max_in_flight = 1);

  // Reads only what `desired` declares: no settings declared, no settings request.
  [[nodiscard]] Result<LiveState> populate(const DesiredState& desired);
  // SHA-256 (hex) of what the last populate read, request by request: equal while the account
  // holds the same (server-side timestamps included).
  [[nodiscard]] const std::string& live_digest() const { return m_live_digest; }

  // Every AI Search instance of the account (namespace and id; no documents), namespace by
  // namespace: what `cfsync export` reads.
  [[nodiscard]] Result<std::vector<DesiredInstance>> list_instances();
  // The content of an uploaded item, as the instance stores it.
  [[nodiscard]] Result<std::string> download_item(const std::string& namespace_name,
                                                  const std::string& instance_id,
                                                  const std::string& item_id);

  // How long apply may wait for the API (a key a queued delete still holds), on `clock`.
  void set_wait(std::chrono::milliseconds timeout, Clock& clock) {
    m_wait_timeout = timeout;
    m_clock = &clock;
  }

  // Applies every change and checks what the API reports back against what was sent. A change
  // that fails does not stop the others, except those of its lane after a failed create.
  // `applied` sees each outcome as soon as it is known (to record dataset uploads at once), one
  // call at a time.
  // Once `stop` is set, no change starts; those left are reported as not attempted.
  [[nodiscard]] ApplyReport apply(const Plan& plan,
                                  const std::function<void(const ChangeOutcome&)>& applied = {},
                                  const std::atomic<bool>* stop = nullptr);

  // Polls the items `report`'s uploads made until each is completed, errored or skipped, or
  // until `timeout`; backs off from a quarter of a second to five seconds between rounds.
  // Polls each dataset `report` uploaded to until its version is complete or failed, or until
  // `timeout`; same back-off.
  [[nodiscard]] Result<ProcessingReport> wait_for_datasets(const Plan& plan,
                                                           const ApplyReport& report,
                                                           std::chrono::milliseconds timeout,
                                                           Clock& clock);

  [[nodiscard]] Result<IndexingReport> wait_for_indexing(const Plan& plan,
                                                         const ApplyReport& report,
                                                         std::chrono::milliseconds timeout,
                                                         Clock& clock);

 private:
  [[nodiscard]] Result<LiveState> read_live(const DesiredState& desired);
  [[nodiscard]] Result<LiveDlpSettings> read_settings();
  [[nodiscard]] Result<LiveProfiles> read_profiles();
  // Every uploaded item of an instance, page after page.
  [[nodiscard]] Result<LiveInstance> read_instance(const std::string& namespace_name,
                                                   const std::string& instance_id);
  [[nodiscard]] Result<LiveDatasets> read_datasets();
  [[nodiscard]] Result<LiveDataset> read_dataset(const std::string& id);
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request);
  // A create or upload: when its answer is lost, `landed` looks for what it would have made.
  [[nodiscard]] Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                const Transport::Landed& landed);
  [[nodiscard]] ChangeOutcome apply_one(const Change& change, std::size_t index);

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
  [[nodiscard]] Result<void> write(const CreateDataset& create, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UpdateDataset& update, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const UploadDataset& upload, ChangeOutcome& outcome);
  [[nodiscard]] Result<void> write(const DeleteDataset& remove, ChangeOutcome& outcome);
  // The content of `dataset` into `version` of dataset `id`: the file, or its columns (with
  // the live entry_id of each, or empty for a new one).
  [[nodiscard]] Result<void> upload_content(const std::string& id, std::int64_t version,
                                            const DesiredDataset& dataset,
                                            const std::vector<std::string>& entry_ids);
  // A 409 on upload: re-list the key and decide whether the item there is this document.
  [[nodiscard]] Result<void> resolve_conflict(const UploadItem& upload, ChangeOutcome& outcome);
  // What holds the upload's key, from one listing of it: an item with this document's size and
  // metadata, and whether a deleted item (next_action "DELETE") still holds it.
  struct KeyHolders {
    std::optional<LiveItem> same;
    bool deleted = false;
    bool any = false;  // any item has the key
  };
  [[nodiscard]] Result<KeyHolders> key_holders(const UploadItem& upload);
  // A replace's upload when its key is still held by the item it deleted: tried again until the
  // key is freed, within the wait timeout.
  [[nodiscard]] Result<void> upload_when_key_freed(const UploadItem& upload,
                                                   ChangeOutcome& outcome);

  Transport& m_transport;
  std::string m_account_id;
  std::shared_ptr<spdlog::logger> m_logger;
  std::size_t m_max_in_flight = 1;
  // How long an upload waits for a deleted item to free its key, and the clock it waits on.
  std::chrono::milliseconds m_wait_timeout{0};
  Clock* m_clock = &system_clock();
  bool m_populating = false;  // send() notes what it reads into m_reads
  std::string m_reads;        // "target\nsha256(body)\n" per answer read by populate
  std::string m_live_digest;
};

}  // namespace cfsync::api
