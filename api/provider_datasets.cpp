// The DLP datasets family's part of CloudflareProvider: reading datasets, creating them,
// uploading new versions (a word list in one request, an EDM file column by column) and waiting
// for processing.
#include "api/dlp_datasets.hpp"
#include "api/json_read.hpp"
#include "api/provider_family.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace cfsync::api {

namespace {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The status of `version` in the dataset's uploads, and the columns that failed when it is the
// latest version; final once processing is over.
ProcessedDataset processed(const LiveDataset& live, std::string name, std::int64_t version) {
  ProcessedDataset out{.name = std::move(name), .version = version};
  const auto upload =
      std::find_if(live.uploads.begin(), live.uploads.end(),
                   [&](const LiveDatasetUpload& u) { return u.version == version; });
  if (upload != live.uploads.end()) out.status = upload->status;
  if (live.multi_column() && live.latest_version == version && !live.columns.empty()) {
    const bool all_final =
        std::all_of(live.columns.begin(), live.columns.end(),
                    [](const LiveDatasetColumn& column) { return is_final(column.upload_status); });
    for (const LiveDatasetColumn& column : live.columns) {
      if (column.upload_status == UploadStatus::failed) {
        out.failed_columns.push_back(column.header_name);
      }
    }
    if (all_final) {
      out.status = out.failed_columns.empty() ? UploadStatus::complete : UploadStatus::failed;
    }
  }
  return out;
}

class DatasetsProvider final : public PartOf<DatasetsProvider> {
 public:
  using PartOf::PartOf;

  Result<void> populate(const DesiredState& desired, LiveState& live) override {
    if (!desired.manages_datasets()) return {};
    auto datasets = read_datasets();
    if (!datasets) return datasets.error().context("reading dlp datasets: ");
    live.datasets = std::move(*datasets);
    return {};
  }

  // Dataset uploads are not done until the API has processed them: always waited for.
  Result<void> after_apply(const Plan& plan, ApplyReport& report,
                           const AfterApply& options) override {
    if (std::none_of(report.outcomes.begin(), report.outcomes.end(),
                     [](const ChangeOutcome& outcome) { return outcome.dataset_version; })) {
      return {};
    }
    auto processing = wait_for_processing(plan, report, options.timeout, *options.clock);
    if (!processing) return processing.error().context("waiting for dataset processing: ");
    report.processing = std::move(*processing);
    return {};
  }

  Result<void> apply(const CreateDataset& create, ChangeOutcome& outcome);
  Result<void> apply(const UpdateDataset& update, ChangeOutcome& outcome);
  Result<void> apply(const UploadDataset& upload, ChangeOutcome& outcome);
  Result<void> apply(const DeleteDataset& remove, ChangeOutcome& outcome);

 private:
  Result<LiveDatasets> read_datasets();
  Result<LiveDataset> read_dataset(const std::string& id);
  // The content of `dataset` into `version` of dataset `id`: the file, or its columns (with
  // the live entry_id of each, or empty for a new one).
  Result<void> upload_content(const std::string& id, std::int64_t version,
                              const DesiredDataset& dataset,
                              const std::vector<std::string>& entry_ids);
  // Polls each dataset `report` uploaded to until its version is complete or failed, or until
  // `timeout`.
  Result<ProcessingReport> wait_for_processing(const Plan& plan, const ApplyReport& report,
                                               std::chrono::milliseconds timeout, Clock& clock);
};

}  // namespace

bool ProcessingReport::ok() const {
  return !timed_out && std::all_of(datasets.begin(), datasets.end(), [](const ProcessedDataset& d) {
    return d.status == UploadStatus::complete;
  });
}

Result<LiveDatasets> DatasetsProvider::read_datasets() {
  CFSYNC_TRY(HttpResponse response, send(list_datasets_request(account_id())));
  CFSYNC_TRY(std::vector<LiveDataset> datasets, parse_datasets_response(response));
  return LiveDatasets{std::move(datasets), {}};
}

Result<LiveDataset> DatasetsProvider::read_dataset(const std::string& id) {
  CFSYNC_TRY(HttpResponse response, send(read_dataset_request(account_id(), id)));
  return parse_dataset_response(response);
}

Result<void> DatasetsProvider::apply(const CreateDataset& create, ChangeOutcome& outcome) {
  DatasetCreation created;
  CFSYNC_TRY(
      std::optional<HttpResponse> response,
      send_unique(create_dataset_request(account_id(), create.dataset), [&]() -> Result<bool> {
        CFSYNC_TRY(LiveDatasets live, read_datasets());
        for (LiveDataset& dataset : live.datasets) {
          if (dataset.name != create.dataset.name) continue;
          created.version = dataset.latest_version.value_or(1);
          created.dataset = std::move(dataset);
          return true;
        }
        return false;
      }));
  if (response) {
    CFSYNC_TRY(created, parse_creation_response(*response));
  }
  if (created.dataset.name != create.dataset.name) {
    return Error(ErrorKind::apply,
                 "the API created a dataset named " + in_quotes(created.dataset.name) + " instead");
  }
  outcome.dataset_id = created.dataset.id;
  auto uploaded = upload_content(created.dataset.id, created.version, create.dataset, {});
  if (!uploaded) {
    return uploaded.error().context("the dataset was created (id " + created.dataset.id +
                                    ") but its content was not uploaded; the next run uploads "
                                    "it: ");
  }
  outcome.dataset_version = created.version;
  return {};
}

Result<void> DatasetsProvider::apply(const UpdateDataset& update, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_dataset_request(account_id(), update)));
  CFSYNC_TRY(LiveDataset updated, parse_dataset_response(response));
  std::vector<std::string> different;
  if (update.description && updated.description.value_or("") != *update.description) {
    different.emplace_back("description");
  }
  // An answer without case_sensitive (the spec does not require it) cannot contradict it.
  if (update.case_sensitive && updated.case_sensitive &&
      updated.case_sensitive != update.case_sensitive) {
    different.emplace_back("case_sensitive");
  }
  if (!different.empty()) return not_applied(fmt::format("{}", fmt::join(different, ", ")));
  return {};
}

Result<void> DatasetsProvider::apply(const UploadDataset& upload, ChangeOutcome& outcome) {
  outcome.dataset_id = upload.id;
  std::int64_t version = 0;
  // A lost answer: an empty latest version is as good as the one asked for.
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(new_version_request(account_id(), upload.id), [&]() -> Result<bool> {
               CFSYNC_TRY(LiveDataset live, read_dataset(upload.id));
               if (!live.latest_version || live.latest_status != UploadStatus::empty) return false;
               const bool untouched = std::all_of(
                   live.columns.begin(), live.columns.end(), [](const LiveDatasetColumn& column) {
                     return column.upload_status == UploadStatus::empty;
                   });
               if (untouched) version = *live.latest_version;
               return untouched;
             }));
  if (response) {
    CFSYNC_TRY(version, parse_new_version_response(*response));
  }
  auto uploaded = upload_content(upload.id, version, upload.dataset, upload.entry_ids);
  if (!uploaded) {
    return uploaded.error().context("version " + std::to_string(version) +
                                    " is incomplete and the next run uploads a new one: ");
  }
  outcome.dataset_version = version;
  return {};
}

Result<void> DatasetsProvider::upload_content(const std::string& id, std::int64_t version,
                                              const DesiredDataset& dataset,
                                              const std::vector<std::string>& entry_ids) {
  const DatasetFile& file = *dataset.file;  // uploads are planned only for datasets with a file
  if (dataset.kind == DatasetKind::word_list) {
    CFSYNC_TRY(
        std::optional<HttpResponse> response,
        send_unique(upload_version_request(account_id(), id, version, file), [&]() -> Result<bool> {
          CFSYNC_TRY(LiveDataset live, read_dataset(id));
          return std::any_of(
              live.uploads.begin(), live.uploads.end(), [&](const LiveDatasetUpload& upload) {
                return upload.version == version && upload.status != UploadStatus::empty;
              });
        }));
    if (!response) return {};
    CFSYNC_TRY(LiveDataset after, parse_dataset_response(*response));
    log().debug("dataset {}: version {} uploaded, {} bytes, {} cells", dataset.name, version,
                file.size, after.num_cells);
    return {};
  }
  CFSYNC_TRY(HttpResponse response,
             send(define_columns_request(account_id(), id, version, file, entry_ids)));
  CFSYNC_TRY(std::vector<LiveDatasetColumn> columns, parse_columns_response(response));
  if (columns.size() != file.columns.size()) {
    return unexpected(std::to_string(file.columns.size()) + " columns were declared, " +
                      std::to_string(columns.size()) + " came back");
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const DatasetColumn& column = file.columns[i];
    if (columns[i].header_name != column.name) {
      return unexpected("column " + std::to_string(i + 1) + " came back as " +
                        in_quotes(columns[i].header_name) + ", not " + in_quotes(column.name));
    }
    const std::string& entry_id = columns[i].entry_id;
    auto sent = send_unique(
        upload_column_request(account_id(), id, version, entry_id, file, i), [&]() -> Result<bool> {
          CFSYNC_TRY(LiveDataset live, read_dataset(id));
          return live.latest_version == version &&
                 std::any_of(live.columns.begin(), live.columns.end(),
                             [&](const LiveDatasetColumn& live_column) {
                               return live_column.entry_id == entry_id &&
                                      live_column.upload_status != UploadStatus::empty;
                             });
        });
    if (sent && !*sent) continue;  // the answer was lost, the cells arrived
    if (sent) {
      auto answered = parse_column_response(**sent);
      if (answered) {
        log().debug("dataset {}: column {} of version {} uploaded, {} bytes, {} cells",
                    dataset.name, column.name, version, column.bytes, answered->num_cells);
        continue;
      }
      return answered.error().context("uploading column " + in_quotes(column.name) + ": ");
    }
    return sent.error().context("uploading column " + in_quotes(column.name) + ": ");
  }
  return {};
}

Result<void> DatasetsProvider::apply(const DeleteDataset& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_dataset_request(account_id(), remove)));
  return check_deleted(response, log(), "dataset " + remove.id);
}

Result<ProcessingReport> DatasetsProvider::wait_for_processing(const Plan& plan,
                                                               const ApplyReport& report,
                                                               std::chrono::milliseconds timeout,
                                                               Clock& clock) {
  std::map<std::string, ProcessedDataset> pending;  // by dataset id
  for (const ChangeOutcome& outcome : report.outcomes) {
    if (!outcome.dataset_version) continue;
    pending.emplace(outcome.dataset_id,
                    ProcessedDataset{.name = plan.changes.at(outcome.change).name,
                                     .version = *outcome.dataset_version});
  }
  ProcessingReport processing;
  CFSYNC_TRY(const bool done, poll_with_backoff(clock, timeout, [&]() -> Result<bool> {
               // Each round reads the pending datasets side by side.
               std::vector<std::pair<const std::string, ProcessedDataset>*> round;
               for (auto& entry : pending) round.push_back(&entry);
               CFSYNC_TRY_VOID(side_by_side(round.size(), [&](std::size_t i) -> Result<void> {
                 auto& [id, dataset] = *round[i];
                 auto live = read_dataset(id);
                 if (!live)
                   return live.error().context("reading dataset " + in_quotes(dataset.name) + ": ");
                 dataset = processed(*live, std::move(dataset.name), dataset.version);
                 return {};
               }));
               for (auto it = pending.begin(); it != pending.end();) {
                 if (!is_final(it->second.status)) {
                   ++it;
                   continue;
                 }
                 processing.datasets.push_back(std::move(it->second));
                 it = pending.erase(it);
               }
               return pending.empty();
             }));
  if (done) return processing;
  processing.timed_out = true;
  for (auto& [id, dataset] : pending) processing.datasets.push_back(std::move(dataset));
  return processing;
}

// Listed in provider_families.cpp.
std::unique_ptr<FamilyProvider> make_dlp_datasets_provider(ProviderContext& context);

std::unique_ptr<FamilyProvider> make_dlp_datasets_provider(ProviderContext& context) {
  return std::make_unique<DatasetsProvider>(context);
}

}  // namespace cfsync::api
