// DLP datasets: match by name, then decide for each whether its content must go up again.
//
// An upload is costly (the whole file, one request per EDM column, then processing), so it is
// made only with a reason: the columns or the cell counts differ (no state needed), or the
// upload cfsync recorded for this machine is not the account's latest version of this file.
// A record that matches the latest version and the file settles it, whatever the counts: the
// API's way of counting cells is not documented, and must not cause an upload on every run. When
// that version failed processing, the same bytes would fail the same way: the failure is a
// warning of the plan (the rest of it goes on) until the file changes, or until `--retry-failed`
// asks for the upload anyway.
#include "reconcile/planner.hpp"

#include "reconcile/family.hpp"
#include "reconcile/match.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace cfsync::reconcile {

namespace {

// Appended rather than built with operator+, which g++ 12 at -O3 wrongly reports as an
// overlapping memcpy (-Wrestrict, GCC bug 105329).
std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

// A file's content as a plan shows it: a keyed digest and its length, never a cell.
Content shown_content(const DatasetFile& file) { return {file.sha256, file.size}; }

// What the account's latest version holds, as far as this machine knows: the content it uploaded
// there, when it is that version; else only the version's number. A failed version shows no
// digest: it holds nothing usable, and retrying the same file would show one digest twice.
FieldValue live_content(const LiveDataset& live, const RecordedUpload* record) {
  if (!live.latest_version) return std::monostate{};
  Content content{.version = live.latest_version,
                  .failed = live.latest_status == UploadStatus::failed};
  if (record && record->version == *live.latest_version && !content.failed) {
    content.digest = record->sha256;
  }
  return content;
}

std::int64_t count(std::uint64_t cells) { return static_cast<std::int64_t>(cells); }

StringList live_headers(const LiveDataset& live) {
  StringList names;
  for (const LiveDatasetColumn& column : live.columns) names.push_back(column.header_name);
  return names;
}

StringList file_headers(const DatasetFile& file) {
  StringList names;
  for (const DatasetColumn& column : file.columns) names.push_back(column.name);
  return names;
}

const LiveDatasetColumn* live_column(const LiveDataset& live, const std::string& header) {
  const auto found =
      std::find_if(live.columns.begin(), live.columns.end(),
                   [&](const LiveDatasetColumn& c) { return c.header_name == header; });
  return found == live.columns.end() ? nullptr : &*found;
}

// The cell counts that differ, as fields: the dataset's for a word list, each column's for EDM.
std::vector<FieldChange> count_changes(const DesiredDataset& desired, const DatasetFile& file,
                                       const LiveDataset& live) {
  std::vector<FieldChange> out;
  if (desired.kind == DatasetKind::word_list) {
    if (live.num_cells != count(file.cells)) {
      out.push_back({"num_cells", live.num_cells, count(file.cells)});
    }
    return out;
  }
  for (const DatasetColumn& column : file.columns) {
    const LiveDatasetColumn* found = live_column(live, column.name);
    if (found && found->num_cells == count(column.cells)) continue;
    FieldChange field{"columns[" + in_quotes(column.name) + "].num_cells", std::monostate{},
                      count(column.cells)};
    if (found) field.before = found->num_cells;
    out.push_back(std::move(field));
  }
  return out;
}

// cfsync's own upload of this very file is the account's latest version.
bool is_latest_upload(const DatasetFile& file, const LiveDataset& live,
                      const RecordedUpload* upload) {
  return upload && live.latest_version == upload->version && upload->sha256 == file.sha256;
}

// What of the file failed processing, named without a cell: the failed columns of an EDM
// version (the live columns are the latest version's), else the whole file.
std::string failed_part(const DesiredDataset& desired, const DatasetFile& file,
                        const LiveDataset& live) {
  if (desired.kind == DatasetKind::word_list) {
    return "the word list (" + std::to_string(file.cells) +
           (file.cells == 1 ? " entry)" : " entries)");
  }
  std::vector<std::string> failed;
  for (const LiveDatasetColumn& column : live.columns) {
    if (column.upload_status == UploadStatus::failed)
      failed.push_back(in_quotes(column.header_name));
  }
  const std::string columns = fmt::format("{}", fmt::join(failed, ", "));
  if (failed.empty()) return "the file";
  return (failed.size() == 1 ? "column " : "columns ") + columns + " of the file";
}

// Why the file must go up again, or nothing when the account holds it already.
std::optional<std::string> upload_reason(const DesiredDataset& desired, const DatasetFile& file,
                                         const LiveDataset& live, const RecordedUpload* record,
                                         const std::vector<FieldChange>& counts) {
  if (desired.kind == DatasetKind::edm) {
    StringList have = live_headers(live);
    StringList want = file_headers(file);
    std::sort(have.begin(), have.end());
    std::sort(want.begin(), want.end());
    if (have != want) return "the file's columns differ from the dataset's";
  }
  if (!live.latest_version) return "the dataset has no upload yet";
  const std::string latest = "version " + std::to_string(*live.latest_version);
  // cfsync's own upload of this very file is the latest version: nothing to send, whatever the
  // API counted (its counting is not documented, and the version proves the content). A failed
  // one gets here only with --retry-failed.
  if (is_latest_upload(file, live, record)) {
    if (live.latest_status == UploadStatus::failed) {
      return latest + " of this content failed to process, and --retry-failed sends it again";
    }
    if (live.latest_status != UploadStatus::empty) return std::nullopt;
  }
  if (live.latest_status == UploadStatus::empty) return latest + " has no content";
  if (record && record->version != *live.latest_version) {
    return "the account's latest is " + latest + ", not version " +
           std::to_string(record->version) + " that cfsync uploaded: someone uploaded elsewhere";
  }
  if (record) return "the file changed since " + latest + " was uploaded";
  // No record: a first run here, or the state directory was lost. Counts may still prove a
  // change; otherwise the file goes up once, to be sure.
  if (!counts.empty()) return "the cell counts differ";
  return "no upload of this file is recorded in the state directory: a first run here, or the "
         "state directory was deleted";
}

Change upload_change(const DesiredDataset& desired, const DatasetFile& file,
                     const LiveDataset& live, const RecordedUpload* record,
                     std::vector<FieldChange> counts, std::string reason) {
  Change change{.kind = ResourceKind::dlp_dataset,
                .name = desired.name,
                .id = live.id,
                .action = Action::update,
                .reason = "new version: " + std::move(reason)};
  UploadDataset upload{.id = live.id, .dataset = desired};
  if (desired.kind == DatasetKind::edm) {
    const StringList before = live_headers(live);
    const StringList after = file_headers(file);
    if (before != after) change.fields.push_back({"columns", before, after});
    for (const DatasetColumn& column : file.columns) {
      const LiveDatasetColumn* found = live_column(live, column.name);
      upload.entry_ids.push_back(found ? found->entry_id : std::string());
    }
  }
  for (FieldChange& field : counts) change.fields.push_back(std::move(field));
  change.fields.push_back({"content", live_content(live, record), shown_content(file)});
  change.payload = std::move(upload);
  return change;
}

// The dataset's case sensitivity: as the API reports it, else as cfsync last sent it from here
// (the spec does not require the field in answers); unset when neither says.
std::optional<bool> known_case_sensitive(const LiveDataset& live, const DatasetRecord* record) {
  if (live.case_sensitive || record == nullptr) return live.case_sensitive;
  return record->case_sensitive;
}

// The PUT of what differs. A custom word list's always carries case_sensitive, which the spec
// says is "only required for custom word lists": the declared value, else the known one; when
// neither is there, sending a guess could flip it, so that is a problem.
std::optional<Change> settings_change(const DesiredDataset& desired, const LiveDataset& live,
                                      const DatasetRecord* record,
                                      std::vector<std::string>& problems) {
  UpdateDataset update{.id = live.id};
  Change change{.kind = ResourceKind::dlp_dataset,
                .name = desired.name,
                .id = live.id,
                .action = Action::update};
  const std::string live_description = live.description.value_or("");
  if (desired.description && *desired.description != live_description) {
    update.description = desired.description;
    FieldChange field{"description", std::monostate{}, *desired.description};
    if (live.description) field.before = *live.description;
    change.fields.push_back(std::move(field));
  }
  const std::optional<bool> known = known_case_sensitive(live, record);
  if (desired.case_sensitive && known != desired.case_sensitive) {
    update.case_sensitive = desired.case_sensitive;
    FieldChange field{"case_sensitive", std::monostate{}, *desired.case_sensitive};
    if (known) field.before = *known;
    change.fields.push_back(std::move(field));
    if (!known) {
      change.reason =
          "the API does not report case_sensitive and no value sent from here is recorded: sent "
          "once, then recorded";
    }
  }
  if (change.fields.empty()) return std::nullopt;
  if (!update.case_sensitive && !live.secret && !live.multi_column()) {
    if (!known) {
      problems.push_back("dataset " + in_quotes(desired.name) +
                         ": its description differs, and a word list's PUT must carry "
                         "case_sensitive, which the API does not report and no earlier run from "
                         "here recorded; declare case_sensitive for it");
      return std::nullopt;
    }
    update.case_sensitive = known;
  }
  change.payload = std::move(update);
  return change;
}

Change create_change(const DesiredDataset& desired, const DatasetFile& file) {
  Change change{.kind = ResourceKind::dlp_dataset, .name = desired.name, .action = Action::create};
  auto add = [&change](std::string field, FieldValue value) {
    change.fields.push_back({std::move(field), std::monostate{}, std::move(value)});
  };
  add("kind", std::string(to_string(desired.kind)));
  if (desired.description) add("description", *desired.description);
  if (desired.case_sensitive) add("case_sensitive", *desired.case_sensitive);
  add("num_cells", count(file.cells));
  add("content", shown_content(file));
  change.payload = CreateDataset{desired};
  return change;
}

// Live datasets by name; a name held twice cannot be matched (null) and is a problem.
// Datasets by name; deletes in progress do not exist for datasets.
auto matching(const DesiredState& desired, const LiveDatasets& live) {
  return match(
      desired.datasets, live.datasets, [](const DesiredDataset& dataset) { return dataset.name; },
      [](const LiveDataset& dataset) { return dataset.name; });
}

}  // namespace

void plan_datasets(const DesiredState& desired, const LiveDatasets& live, Plan& plan,
                   std::vector<std::string>& problems) {
  const auto datasets = matching(desired, live);
  for (const auto& ambiguous : datasets.ambiguous) {
    std::vector<std::string_view> ids;
    for (const LiveDataset* dataset : ambiguous.live) ids.push_back(dataset->id);
    problems.push_back(fmt::format(
        "two live datasets are named {} (ids {}); rename or delete one in the dashboard",
        in_quotes(ambiguous.key), fmt::join(ids, ", ")));
  }
  for (const auto& [declared, identity, found] : datasets.declared) {
    if (identity == Identity::ambiguous) continue;  // reported
    const DesiredDataset& dataset = *declared;
    const std::string label = "dataset " + in_quotes(dataset.name);
    if (identity == Identity::desired_only) {
      if (!dataset.file) {
        problems.push_back(label +
                           " does not exist in the account, and it declares no file: to "
                           "create it, give it one (file:)");
        continue;
      }
      if (dataset.kind == DatasetKind::word_list) {
        plan.changes.push_back(create_change(dataset, *dataset.file));
        continue;
      }
      const StringList headers = file_headers(*dataset.file);
      const std::string columns = fmt::format("{}", fmt::join(headers, ", "));
      problems.push_back(label +
                         " (edm) does not exist in the account, and the API cannot create one: "
                         "EDM datasets are created in the Cloudflare dashboard (Zero Trust > DLP "
                         "> Datasets) from a CSV file with the header " +
                         columns + "; cfsync then adopts it by name and keeps it in sync");
      continue;
    }
    const LiveDataset& live_dataset = *found;
    // Without a file only the description and case sensitivity are managed, which a secret
    // dataset has like any other.
    if (live_dataset.secret && dataset.file) {
      problems.push_back(label +
                         " is a secret (hashed) dataset in the account: its cells must "
                         "be encoded with the dashboard's EDM encoder, which the API "
                         "does not document, and cfsync will not upload them in "
                         "plaintext; manage it in the dashboard");
      continue;
    }
    const bool edm = dataset.kind == DatasetKind::edm;
    if (edm != live_dataset.multi_column()) {
      problems.push_back(
          label + " is declared as " + std::string(to_string(dataset.kind)) +
          ", but the account's is " +
          (live_dataset.multi_column() ? "a multi-column EDM dataset" : "a single-column dataset") +
          " (encoding_version " + std::to_string(live_dataset.encoding_version) +
          "), which the API cannot change; delete it in the dashboard or choose another name");
      continue;
    }
    const auto record_at = live.records.find(live_dataset.id);
    const DatasetRecord* record = record_at == live.records.end() ? nullptr : &record_at->second;
    if (auto change = settings_change(dataset, live_dataset, record, problems)) {
      plan.changes.push_back(std::move(*change));
    }
    if (!dataset.file) continue;
    const DatasetFile& file = *dataset.file;
    const RecordedUpload* upload = record && record->upload ? &*record->upload : nullptr;
    if (is_latest_upload(file, live_dataset, upload) &&
        live_dataset.latest_status == UploadStatus::failed && !live.retry_failed) {
      plan.warnings.push_back(label + ": version " + std::to_string(upload->version) +
                              " of this content failed: processing failed for " +
                              failed_part(dataset, file, live_dataset) +
                              "; cfsync uploads it again once the file changes, or with apply "
                              "--retry-failed");
      continue;
    }
    std::vector<FieldChange> counts = count_changes(dataset, file, live_dataset);
    if (auto reason = upload_reason(dataset, file, live_dataset, upload, counts)) {
      plan.changes.push_back(upload_change(dataset, file, live_dataset, upload, std::move(counts),
                                           std::move(*reason)));
    }
  }
}

void plan_dataset_deletes(const DesiredState& desired, const LiveDatasets& live, Plan& plan) {
  for (const LiveDataset* undeclared : matching(desired, live).live_only) {
    const LiveDataset& dataset = *undeclared;
    if (!desired.prune.datasets) {
      plan.unmanaged.push_back({ResourceKind::dlp_dataset, dataset.name, dataset.id});
      continue;
    }
    Change change{.kind = ResourceKind::dlp_dataset,
                  .name = dataset.name,
                  .id = dataset.id,
                  .action = Action::delete_};
    change.fields.push_back({"num_cells", dataset.num_cells, std::monostate{}});
    change.payload = DeleteDataset{dataset.id};
    plan.changes.push_back(std::move(change));
  }
}

}  // namespace cfsync::reconcile

namespace cfsync::reconcile {

namespace {

SafetyCount count_datasets(const DesiredState& desired, const LiveState& live) {
  return {.live = live.datasets ? live.datasets->datasets.size() : 0,
          .desired = desired.datasets.size()};
}

constexpr KindTraits k_kinds[] = {
    {.kind = ResourceKind::dlp_dataset,
     .name = "dlp_dataset",
     .noun = "dataset",
     .count = count_datasets,
     .left_alone_hint = "set prune.datasets: true to delete them"},
};

// Creates, setting updates and uploads run before the profiles, which may use a dataset's
// entries; deletes after them.
constexpr int k_write_stage = 1;
constexpr int k_delete_stage = 3;

Result<void> plan_writes(const DesiredState& desired, const LiveState& live, Plan& plan,
                         std::vector<std::string>& problems) {
  if (desired.manages_datasets() && live.datasets) {
    plan_datasets(desired, *live.datasets, plan, problems);
  }
  return {};
}

Result<void> plan_deletes(const DesiredState& desired, const LiveState& live, Plan& plan,
                          std::vector<std::string>& /*problems*/) {
  if (!desired.manages_datasets()) return {};
  if (!live.datasets) {
    return Error(ErrorKind::plan, "dlp datasets are declared but were not read from the account");
  }
  plan_dataset_deletes(desired, *live.datasets, plan);
  return {};
}

constexpr PlanStep k_steps[] = {{.stage = k_write_stage, .run = plan_writes},
                                {.stage = k_delete_stage, .run = plan_deletes}};

Placement place(const Change& change) {
  return {.stage = change.action == Action::delete_ ? k_delete_stage : k_write_stage,
          .lane = "dataset\n" + change.name};
}

void declared(const DesiredState& desired, std::vector<std::string>& parts) {
  if (desired.datasets.empty()) return;
  parts.push_back(std::to_string(desired.datasets.size()) + " dataset(s)");
}

}  // namespace

// Listed in families.cpp: name, track, kinds, plan steps, place, declared.
extern constexpr Family k_dlp_datasets_family{"dlp_datasets", 0, k_kinds, k_steps, place, declared};

}  // namespace cfsync::reconcile
