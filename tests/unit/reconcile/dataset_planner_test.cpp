// DLP datasets: declared files + live datasets + upload records -> creates, uploads, deletes.
#include "reconcile/planner.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync {
namespace {

const std::string k_digest = std::string(64, 'a');
const std::string k_other_digest = std::string(64, 'b');

DesiredDataset word_list(std::uint64_t cells = 3, std::string digest = k_digest) {
  return {.name = "blocked-terms",
          .kind = DatasetKind::word_list,
          .file = DatasetFile{
              .path = "/c/terms.txt", .size = 20, .sha256 = std::move(digest), .cells = cells}};
}

DesiredDataset edm(std::vector<DatasetColumn> columns, std::string digest = k_digest) {
  DesiredDataset dataset{
      .name = "customer-records",
      .kind = DatasetKind::edm,
      .file = DatasetFile{.path = "/c/customers.csv", .size = 64, .sha256 = std::move(digest)}};
  for (const DatasetColumn& column : columns) dataset.file->cells += column.cells;
  dataset.file->columns = std::move(columns);
  return dataset;
}

LiveDataset live_word_list(std::int64_t version = 3, std::int64_t cells = 3,
                           UploadStatus status = UploadStatus::complete) {
  return {.id = "ds-1",
          .name = "blocked-terms",
          .case_sensitive = true,
          .encoding_version = 1,
          .num_cells = cells,
          .status = status,
          .latest_version = version,
          .latest_status = status,
          .uploads = {{version, status, cells}}};
}

LiveDataset live_edm(std::vector<LiveDatasetColumn> columns, std::int64_t version = 2) {
  return {.id = "ds-2",
          .name = "customer-records",
          .encoding_version = 2,
          .status = UploadStatus::complete,
          .latest_version = version,
          .latest_status = UploadStatus::complete,
          .uploads = {{version, UploadStatus::complete, 0}},
          .columns = std::move(columns)};
}

// The record of an upload of `digest` into `version` of dataset `id`.
DatasetRecords uploaded(std::string id, std::string digest, std::int64_t version) {
  return {{std::move(id), {.upload = RecordedUpload{std::move(digest), version}}}};
}

struct Outcome {
  Plan plan;
  std::vector<std::string> problems;
};

Outcome run_with(std::vector<DesiredDataset> desired, const LiveDatasets& live,
                 bool prune = false) {
  DesiredState state{.account_id = "a", .datasets = std::move(desired)};
  state.prune.datasets = prune;
  Outcome out;
  reconcile::plan_datasets(state, live, out.plan, out.problems);
  reconcile::plan_dataset_deletes(state, live, out.plan);
  return out;
}

Outcome run(std::vector<DesiredDataset> desired, std::vector<LiveDataset> live,
            DatasetRecords records = {}, bool prune = false) {
  return run_with(std::move(desired), LiveDatasets{std::move(live), std::move(records)}, prune);
}

TEST_CASE("a missing word list is created with its content") {
  DesiredDataset dataset = word_list();
  dataset.description = "Terms";
  dataset.case_sensitive = false;
  const Outcome out = run({dataset}, {});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.action == Action::create);
  CHECK(change.kind == ResourceKind::dlp_dataset);
  CHECK(change.fields ==
        std::vector<FieldChange>{{"kind", std::monostate{}, std::string("word_list")},
                                 {"description", std::monostate{}, std::string("Terms")},
                                 {"case_sensitive", std::monostate{}, false},
                                 {"num_cells", std::monostate{}, std::int64_t{3}},
                                 {"content", std::monostate{}, Content{k_digest, 20}}});
  REQUIRE(std::holds_alternative<CreateDataset>(change.payload));
  CHECK(std::get<CreateDataset>(change.payload).dataset.name == "blocked-terms");
}

TEST_CASE("a missing EDM dataset is a problem: the API cannot create one") {
  const Outcome out = run({edm({{"email", 2, 20}, {"account", 2, 6}})}, {});
  CHECK(out.plan.changes.empty());
  CHECK(out.problems ==
        std::vector<std::string>{
            "dataset \"customer-records\" (edm) does not exist in the account, and the API cannot "
            "create one: EDM datasets are created in the Cloudflare dashboard (Zero Trust > DLP > "
            "Datasets) from a CSV file with the header email, account; cfsync then adopts it by "
            "name and keeps it in sync"});
}

TEST_CASE("the recorded upload of this file is the latest version: nothing to do") {
  const DatasetRecords records = uploaded("ds-1", k_digest, 3);
  CHECK(run({word_list()}, {live_word_list()}, records).plan.empty());
  // Still processing: it is on its way.
  CHECK(run({word_list()}, {live_word_list(3, 3, UploadStatus::processing)}, records).plan.empty());
  // The API counted differently: the record proves the content, no upload loop.
  CHECK(run({word_list(3)}, {live_word_list(3, 2)}, records).plan.empty());
}

// The reason an upload is planned, or "" when none is.
std::string reason(const Outcome& out) {
  if (out.plan.changes.empty()) return "";
  const Change& change = out.plan.changes.back();
  CHECK(std::holds_alternative<UploadDataset>(change.payload));
  return change.reason;
}

TEST_CASE("an upload is planned only with a reason, and says which") {
  const DatasetRecords records = uploaded("ds-1", k_digest, 3);
  CHECK(reason(run({word_list(3, k_other_digest)}, {live_word_list()}, records)) ==
        "new version: the file changed since version 3 was uploaded");
  CHECK(reason(run({word_list()}, {live_word_list(4)}, records)) ==
        "new version: the account's latest is version 4, not version 3 that cfsync uploaded: "
        "someone uploaded elsewhere");
  CHECK(reason(run({word_list()}, {live_word_list(3, 0, UploadStatus::empty)}, records)) ==
        "new version: version 3 has no content");
  // No record: counts prove a change without state; equal counts still upload once.
  CHECK(reason(run({word_list(4)}, {live_word_list()})) == "new version: the cell counts differ");
  CHECK(reason(run({word_list()}, {live_word_list()})) ==
        "new version: no upload of this file is recorded in the state directory: a first run "
        "here, or the state directory was deleted");
  LiveDataset never_uploaded = live_word_list();
  never_uploaded.latest_version.reset();
  never_uploaded.uploads.clear();
  CHECK(reason(run({word_list()}, {never_uploaded})) ==
        "new version: the dataset has no upload yet");
}

TEST_CASE("an upload shows the counts and digests that differ") {
  const DatasetRecords records = uploaded("ds-1", k_other_digest, 3);
  const Outcome out = run({word_list(5)}, {live_word_list()}, records);
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.action == Action::update);
  CHECK(change.id == "ds-1");
  CHECK(change.fields ==
        std::vector<FieldChange>{
            {"num_cells", std::int64_t{3}, std::int64_t{5}},
            {"content", Content{k_other_digest, std::nullopt, 3}, Content{k_digest, 20}}});
  CHECK(std::get<UploadDataset>(change.payload).id == "ds-1");
}

TEST_CASE("an EDM column added: existing columns keep their entry, the new one has none") {
  const LiveDataset live = live_edm(
      {{"e-1", "email", 2, UploadStatus::complete}, {"e-2", "account", 2, UploadStatus::complete}});
  const DatasetRecords records = uploaded("ds-2", k_digest, 2);
  const Outcome out =
      run({edm({{"email", 2, 20}, {"account", 2, 6}, {"phone", 1, 4}}, k_other_digest)}, {live},
          records);
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.reason == "new version: the file's columns differ from the dataset's");
  CHECK(change.fields ==
        std::vector<FieldChange>{
            {"columns", StringList{"email", "account"}, StringList{"email", "account", "phone"}},
            {"columns[\"phone\"].num_cells", std::monostate{}, std::int64_t{1}},
            {"content", Content{k_digest, std::nullopt, 2}, Content{k_other_digest, 64}}});
  CHECK(std::get<UploadDataset>(change.payload).entry_ids ==
        std::vector<std::string>{"e-1", "e-2", ""});

  // The same columns in another order are the same set: the record decides.
  const Outcome reordered = run({edm({{"account", 2, 6}, {"email", 2, 20}})}, {live}, records);
  CHECK(reordered.plan.empty());
}

TEST_CASE("a changed EDM cell count is a per-column field") {
  const LiveDataset live = live_edm({{"e-1", "email", 2, UploadStatus::complete}});
  const Outcome out = run({edm({{"email", 3, 30}})}, {live});
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(out.plan.changes.front().reason == "new version: the cell counts differ");
  CHECK(out.plan.changes.front().fields.front() ==
        FieldChange{"columns[\"email\"].num_cells", std::int64_t{2}, std::int64_t{3}});
}

TEST_CASE("description and case sensitivity are one PUT of what differs") {
  DesiredDataset dataset = word_list();
  dataset.description = "Terms";
  dataset.case_sensitive = true;  // as live
  const DatasetRecords records = uploaded("ds-1", k_digest, 3);
  const Outcome out = run({dataset}, {live_word_list()}, records);
  REQUIRE(out.plan.changes.size() == 1);
  const Change& change = out.plan.changes.front();
  CHECK(change.fields ==
        std::vector<FieldChange>{{"description", std::monostate{}, std::string("Terms")}});
  const auto& update = std::get<UpdateDataset>(change.payload);
  CHECK(update.id == "ds-1");
  CHECK(update.description == "Terms");
  CHECK(update.case_sensitive == true);  // a word list's PUT carries it: see below
  // Undeclared settings are not managed.
  CHECK(run({word_list()}, {live_word_list()}, records).plan.empty());
}

// The case_sensitive a settings change sends for `dataset` (declared with `declared`) against
// `live`, or "none" when it sends none; "no change" when nothing is planned.
std::string sent_case_sensitive(DesiredDataset dataset, const LiveDataset& live,
                                std::optional<bool> declared = std::nullopt) {
  dataset.description = "Changed";
  dataset.case_sensitive = declared;
  const Outcome out = run({dataset}, {live}, uploaded(live.id, k_digest, 3));
  if (out.plan.changes.empty()) return "no change";
  const auto& update = std::get<UpdateDataset>(out.plan.changes.front().payload);
  if (!update.case_sensitive) return "none";
  return *update.case_sensitive ? "true" : "false";
}

TEST_CASE("a word list's PUT always carries case_sensitive, other datasets' only when declared") {
  LiveDataset lower = live_word_list();
  lower.case_sensitive = false;
  // "Only required for custom word lists": the live value when it is not declared.
  CHECK(sent_case_sensitive(word_list(), live_word_list()) == "true");
  CHECK(sent_case_sensitive(word_list(), lower) == "false");
  CHECK(sent_case_sensitive(word_list(), lower, true) == "true");

  const LiveDataset multi = live_edm({{"e-1", "email", 2, UploadStatus::complete}});
  DesiredDataset adopted_edm = edm({{"email", 2, 20}});
  adopted_edm.file.reset();
  CHECK(sent_case_sensitive(adopted_edm, multi) == "none");
  LiveDataset secret = live_word_list();
  secret.secret = true;
  DesiredDataset adopted = word_list();
  adopted.file.reset();
  CHECK(sent_case_sensitive(adopted, secret) == "none");
}

TEST_CASE("case_sensitive left out of the API's answers: the record stands in, else sent once") {
  LiveDataset silent = live_word_list();
  silent.case_sensitive.reset();
  DesiredDataset dataset = word_list();
  dataset.case_sensitive = false;
  DatasetRecords records = uploaded("ds-1", k_digest, 3);

  // Nothing recorded: sent once, and the plan says why.
  const Outcome first = run({dataset}, {silent}, records);
  CHECK(first.problems.empty());
  REQUIRE(first.plan.changes.size() == 1);
  const Change& change = first.plan.changes.front();
  CHECK(change.reason ==
        "the API does not report case_sensitive and no value sent from here is recorded: sent "
        "once, then recorded");
  CHECK(change.fields == std::vector<FieldChange>{{"case_sensitive", std::monostate{}, false}});
  CHECK(std::get<UpdateDataset>(change.payload).case_sensitive == false);

  // Recorded as declared: nothing to do, run after run.
  records["ds-1"].case_sensitive = false;
  CHECK(run({dataset}, {silent}, records).plan.empty());
  // Recorded otherwise: a change from the recorded value.
  records["ds-1"].case_sensitive = true;
  const Outcome flipped = run({dataset}, {silent}, records);
  REQUIRE(flipped.plan.changes.size() == 1);
  CHECK(flipped.plan.changes.front().reason.empty());
  CHECK(flipped.plan.changes.front().fields ==
        std::vector<FieldChange>{{"case_sensitive", true, false}});
  // What the API reports wins over the record: it may have been changed elsewhere.
  LiveDataset reported = silent;
  reported.case_sensitive = true;
  records["ds-1"].case_sensitive = false;
  REQUIRE(run({dataset}, {reported}, records).plan.changes.size() == 1);

  // A description change must carry it too: the recorded value, or, without one, a problem.
  DesiredDataset described = word_list();
  described.description = "Changed";
  const Outcome unknown = run({described}, {silent}, uploaded("ds-1", k_digest, 3));
  CHECK(unknown.plan.changes.empty());
  CHECK(unknown.problems ==
        std::vector<std::string>{
            "dataset \"blocked-terms\": its description differs, and a word list's PUT must "
            "carry case_sensitive, which the API does not report and no earlier run from here "
            "recorded; declare case_sensitive for it"});
  DatasetRecords known = uploaded("ds-1", k_digest, 3);
  known["ds-1"].case_sensitive = false;
  const Outcome from_record = run({described}, {silent}, known);
  REQUIRE(from_record.plan.changes.size() == 1);
  CHECK(std::get<UpdateDataset>(from_record.plan.changes.front().payload).case_sensitive == false);
}

TEST_CASE("content whose recorded upload failed is a warning until the file changes") {
  const DatasetRecords records = uploaded("ds-1", k_digest, 3);
  const LiveDataset failed = live_word_list(3, 3, UploadStatus::failed);
  const Outcome out = run({word_list()}, {failed}, records);
  CHECK(out.plan.changes.empty());
  CHECK(out.problems.empty());  // the rest of the plan goes on
  CHECK(out.plan.warnings ==
        std::vector<std::string>{
            "dataset \"blocked-terms\": version 3 of this content failed: processing failed for "
            "the word list (3 entries); cfsync uploads it again once the file "
            "changes, or with apply --retry-failed"});

  // --retry-failed: the same bytes once more, saying so.
  const Outcome retried = run_with({word_list()}, {{failed}, records, true});
  CHECK(retried.problems.empty());
  CHECK(reason(retried) ==
        "new version: version 3 of this content failed to process, and --retry-failed sends it "
        "again");
  // The failed version, not the same digest on both sides.
  CHECK(retried.plan.changes.front().fields.back() ==
        FieldChange{"content", Content{.version = 3, .failed = true}, Content{k_digest, 20}});
  // A version uploaded elsewhere: its number, its content unknown here.
  const Outcome elsewhere = run({word_list()}, {live_word_list(4)}, records);
  CHECK(elsewhere.plan.changes.front().fields.back() ==
        FieldChange{"content", Content{.version = 4}, Content{k_digest, 20}});
  // A changed file goes up; so does a failed version cfsync did not make, or cannot prove.
  CHECK(reason(run({word_list(3, k_other_digest)}, {failed}, records)) ==
        "new version: the file changed since version 3 was uploaded");
  CHECK(reason(run({word_list()}, {live_word_list(4, 3, UploadStatus::failed)}, records)) ==
        "new version: the account's latest is version 4, not version 3 that cfsync uploaded: "
        "someone uploaded elsewhere");
  CHECK(reason(run({word_list()}, {failed}))
            .starts_with("new version: no upload of this file is recorded in the state directory"));

  // EDM: the failed columns, by header.
  LiveDataset columns = live_edm({{"e-1", "email", 2, UploadStatus::complete},
                                  {"e-2", "account", 2, UploadStatus::failed},
                                  {"e-3", "phone", 1, UploadStatus::failed}});
  columns.latest_status = UploadStatus::failed;
  CHECK(run({edm({{"email", 2, 20}, {"account", 2, 6}, {"phone", 1, 4}})}, {columns},
            uploaded("ds-2", k_digest, 2))
            .plan.warnings ==
        std::vector<std::string>{
            "dataset \"customer-records\": version 2 of this content failed: processing failed "
            "for columns \"account\", \"phone\" of the file; cfsync uploads it "
            "again once the file changes, or with apply --retry-failed"});
}

TEST_CASE("datasets cfsync cannot manage are problems, not guesses") {
  LiveDataset secret = live_word_list();
  secret.secret = true;
  CHECK(run({word_list()}, {secret})
            .problems.at(0)
            .starts_with("dataset \"blocked-terms\" is a secret (hashed) dataset in the account"));

  LiveDataset multi = live_word_list();
  multi.encoding_version = 2;
  CHECK(run({word_list()}, {multi}).problems ==
        std::vector<std::string>{
            "dataset \"blocked-terms\" is declared as word_list, but the account's is a "
            "multi-column EDM dataset (encoding_version 2), which the API cannot change; delete "
            "it in the dashboard or choose another name"});

  LiveDataset twin = live_word_list();
  twin.id = "ds-9";
  const Outcome twins = run({word_list()}, {live_word_list(), twin});
  CHECK(twins.problems ==
        std::vector<std::string>{"two live datasets are named \"blocked-terms\" (ids ds-1, ds-9); "
                                 "rename or delete one in the dashboard"});
  CHECK(twins.plan.changes.empty());
}

TEST_CASE("a dataset without a file: its settings are managed, its content never") {
  DesiredDataset adopted = word_list();
  adopted.file.reset();
  adopted.description = "Terms";
  // No record, counts that differ, nothing uploaded yet: none of it leads to an upload.
  const Outcome out = run({adopted}, {live_word_list(3, 99, UploadStatus::empty)});
  CHECK(out.problems.empty());
  REQUIRE(out.plan.changes.size() == 1);
  CHECK(std::holds_alternative<UpdateDataset>(out.plan.changes.front().payload));

  // A secret dataset can be adopted this way: its content stays the dashboard's.
  LiveDataset secret = live_word_list();
  secret.secret = true;
  secret.description = "Terms";
  CHECK(run({adopted}, {secret}).plan.empty());
  CHECK(run({adopted}, {secret}).problems.empty());

  // It cannot be created without content, nor declared with the wrong kind.
  CHECK(run({adopted}, {}).problems ==
        std::vector<std::string>{"dataset \"blocked-terms\" does not exist in the account, and it "
                                 "declares no file: to create it, give it one (file:)"});
  LiveDataset multi = secret;
  multi.encoding_version = 2;
  CHECK(run({adopted}, {multi})
            .problems.at(0)
            .starts_with("dataset \"blocked-terms\" is declared as word_list, but the account's is "
                         "a multi-column"));
}

TEST_CASE("undeclared datasets are left alone unless prune.datasets") {
  const Outcome kept = run({}, {live_word_list()});
  CHECK(kept.plan.changes.empty());
  REQUIRE(kept.plan.unmanaged.size() == 1);
  CHECK(kept.plan.unmanaged.front().kind == ResourceKind::dlp_dataset);
  CHECK(kept.plan.unmanaged.front().name == "blocked-terms");

  const Outcome pruned = run({}, {live_word_list()}, {}, true);
  REQUIRE(pruned.plan.changes.size() == 1);
  CHECK(pruned.plan.changes.front().action == Action::delete_);
  CHECK(std::get<DeleteDataset>(pruned.plan.changes.front().payload).id == "ds-1");
}

TEST_CASE("dataset uploads come before profile changes, dataset deletes after them") {
  DesiredState desired{.account_id = "a", .datasets = {word_list()}};
  desired.prune.datasets = true;
  desired.prune.profiles = true;
  LiveDataset old = live_word_list();
  old.id = "ds-old";
  old.name = "old-terms";
  LiveState live{.profiles = LiveProfiles{.custom = {{.id = "p-1", .name = "Old profile"}}},
                 .datasets = LiveDatasets{{old}, {}}};
  const auto plan = reconcile::plan(desired, live);
  REQUIRE(plan);
  REQUIRE(plan->changes.size() == 3);
  CHECK(plan->changes[0].kind == ResourceKind::dlp_dataset);
  CHECK(plan->changes[0].action == Action::create);
  CHECK(plan->changes[1].kind == ResourceKind::dlp_profile);
  CHECK(plan->changes[2].kind == ResourceKind::dlp_dataset);
  CHECK(plan->changes[2].action == Action::delete_);
}

}  // namespace
}  // namespace cfsync
