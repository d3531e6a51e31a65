// dlp.datasets: the YAML, the files it names (scanned once, in chunks), and every error with its
// place and line. Contents never appear in a message.
#include "config/dataset_records.hpp"
#include "config/dataset_scan.hpp"
#include "config/load.hpp"

#include "tests/unit/config/loading.hpp"

#include <doctest/doctest.h>

namespace cfsync::config {
namespace {

using test::TempDir;
using namespace testing;

// SHA-256 of "secret project\nfalcon\r\n\nzebra\n".
constexpr const char* k_words = "secret project\nfalcon\r\n\nzebra\n";

TEST_CASE("the issue's example reads as desired datasets, with their files summarised") {
  TempDir dir;
  dir.write("data/blocked-terms.txt", k_words);
  dir.write("data/customers.csv", "email,account\r\na@x.com,1\r\n\"b,@x.com\",\r\n\r\n");
  const auto config = load_file(dir, k_account_line + R"(
dlp:
  datasets:
    - name: blocked-terms
      description: Terms that must not leave the company
      kind: word_list
      file: data/blocked-terms.txt
      case_sensitive: false
    - name: customer-records
      kind: edm
      file: data/customers.csv
prune:
  datasets: false
)");
  REQUIRE(config);
  const auto& datasets = config->desired.datasets;
  REQUIRE(datasets.size() == 2);
  CHECK(datasets[0].name == "blocked-terms");
  CHECK(datasets[0].description == "Terms that must not leave the company");
  CHECK(datasets[0].kind == DatasetKind::word_list);
  CHECK(datasets[0].case_sensitive == false);
  CHECK(datasets[0].file->cells == 3);  // the empty line is not an entry
  CHECK(datasets[0].file->size == std::string_view(k_words).size());
  CHECK(datasets[0].file->sha256.size() == 64);
  CHECK(datasets[0].file->display == "data/blocked-terms.txt");

  CHECK(datasets[1].kind == DatasetKind::edm);
  CHECK_FALSE(datasets[1].case_sensitive);
  CHECK_FALSE(datasets[1].description);
  const std::vector<DatasetColumn> columns = datasets[1].file->columns;
  CHECK(columns == std::vector<DatasetColumn>{{"email", 2, 8 + 9}, {"account", 1, 2}});
  CHECK(datasets[1].file->cells == 3);
  CHECK_FALSE(config->desired.prune.datasets);
  CHECK(config->desired.manages_datasets());
}

TEST_CASE("a file's SHA-256 is of its bytes") {
  TempDir dir;
  const auto file = dir.write("w.txt", "abc\n");
  const auto scanned = scan_dataset(file, "w.txt", DatasetKind::word_list);
  REQUIRE(scanned);
  CHECK(scanned->sha256 == "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb");
}

// The problems of one dataset with `file` holding `content`.
std::vector<std::string> file_problems(std::string_view kind, std::string_view content) {
  TempDir dir;
  dir.write("data/f", content);
  return problems(load_file(dir, k_account_line + "dlp:\n  datasets:\n    - name: d\n      kind: " +
                                     std::string(kind) + "\n      file: data/f\n"),
                  dir);
}

TEST_CASE("a malformed file is an error at its place, naming the line, never the content") {
  const std::string at = "cfsync.yaml:6:13: dlp.datasets[\"d\"].file: \"data/f\" ";
  CHECK(file_problems("edm", "email,account\na@x.com,1\nb@x.com\n") ==
        std::vector<std::string>{at + "line 3: 1 cell, but the header has 2 columns"});
  CHECK(file_problems("edm", "email,account\na,1,extra\n") ==
        std::vector<std::string>{at + "line 2: 3 cells, but the header has 2 columns"});
  CHECK(file_problems("edm", "email,,id\na,b,c\n") ==
        std::vector<std::string>{at + "line 1: column 2 of the header has no name"});
  CHECK(file_problems("edm", "email,email\na,b\n") ==
        std::vector<std::string>{at + "line 1: the header names column \"email\" twice"});
  CHECK(file_problems("edm", "") ==
        std::vector<std::string>{at + "line 1: no header row (the file is empty)"});
  CHECK(file_problems("edm", "email,account\n") ==
        std::vector<std::string>{at + "line 2: no data rows below the header"});
  CHECK(file_problems("edm", "email\nsecret\"value\n") ==
        std::vector<std::string>{at + "line 2: a quote inside an unquoted cell"});
  CHECK(file_problems("word_list", "ok\nfine\nbad\xff\xfe\n") ==
        std::vector<std::string>{at + "line 3: not valid UTF-8"});
  CHECK(file_problems("edm", "a\nb\n\xc3") ==
        std::vector<std::string>{at + "line 3: not valid UTF-8"});
  CHECK(file_problems("word_list", "\n\r\n") ==
        std::vector<std::string>{at + "has no entries: a word list needs at least one line"});
  CHECK(file_problems("word_list", "\xEF\xBB\xBFword\n") ==
        std::vector<std::string>{at + "line 1: starts with a UTF-8 byte order mark, which would "
                                      "become part of the first entry; save the file without one"});
}

TEST_CASE("an EDM column with no cells is an error naming the file and the column") {
  const std::string at = "cfsync.yaml:6:13: dlp.datasets[\"d\"].file: \"data/f\" line 1: ";
  const std::string why =
      " empty in every row, and the API refuses a column without cells; give each column a "
      "value, or remove it";
  // Its upload body would be empty, which the spec does not allow.
  CHECK(file_problems("edm", "email,phone\ns3cret@x.com,\n\nb@x.com,\"\"\n") ==
        std::vector<std::string>{at + "column \"phone\" is" + why});
  CHECK(file_problems("edm", "email,phone,fax\n,,\n\"\",,1\n") ==
        std::vector<std::string>{at + "columns \"email\", \"phone\" are" + why});
  // One non-empty cell is enough.
  TempDir dir;
  const auto file = dir.write("c.csv", "email,phone\na@x.com,\nb@x.com,555\n");
  const auto scanned = scan_dataset(file, "c.csv", DatasetKind::edm);
  REQUIRE(scanned);
  CHECK(scanned->columns == std::vector<DatasetColumn>{{"email", 2, 16}, {"phone", 1, 4}});
}

TEST_CASE("a UTF-8 error is found on its line across chunk boundaries") {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 100'000; ++i) content += "word" + std::to_string(i) + "\n";
  const std::size_t lines = 100'000;
  content += "caf\xc3";  // a character cut short at the very end
  const auto file = dir.write("w.txt", content);
  const auto scanned = scan_dataset(file, "w.txt", DatasetKind::word_list);
  REQUIRE_FALSE(scanned);
  CHECK(scanned.error().message() ==
        "\"w.txt\" line " + std::to_string(lines + 1) + ": not valid UTF-8");

  // A multi-byte character split by the chunking is fine.
  std::string valid(256 * 1024 - 1, 'a');
  valid += "\xc3\xa9\n";
  const auto ok = scan_dataset(dir.write("v.txt", valid), "v.txt", DatasetKind::word_list);
  REQUIRE(ok);
  CHECK(ok->cells == 1);
}

TEST_CASE("a large EDM file is counted per column") {
  TempDir dir;
  std::string content = "\xEF\xBB\xBFid,email\n";
  for (int i = 0; i < 50'000; ++i) {
    content += std::to_string(i) + "," + (i % 2 == 0 ? "user" + std::to_string(i) + "@x.com" : "");
    content += "\r\n";
  }
  const auto scanned = scan_dataset(dir.write("big.csv", content), "big.csv", DatasetKind::edm);
  REQUIRE(scanned);
  REQUIRE(scanned->columns.size() == 2);
  CHECK(scanned->columns[0].name == "id");  // the byte order mark is not part of it
  CHECK(scanned->columns[0].cells == 50'000);
  CHECK(scanned->columns[1].cells == 25'000);
  CHECK(scanned->cells == 75'000);
}

TEST_CASE("a dataset without a file is adopted for its settings only") {
  TempDir dir;
  const auto config = load_file(dir, k_account_line + R"(
dlp:
  datasets:
    - name: customer-records
      description: Made in the dashboard
      kind: edm
)");
  REQUIRE(config);
  REQUIRE(config->desired.datasets.size() == 1);
  CHECK(config->desired.datasets[0].description == "Made in the dashboard");
  CHECK_FALSE(config->desired.datasets[0].file);
}

TEST_CASE("dataset declarations are checked field by field") {
  TempDir dir;
  dir.write("data/w.txt", "word\n");
  dir.write("data/c.csv", "a,b\n1,2\n");
  CHECK(
      problems(load_file(dir, k_account_line + R"(
dlp:
  datasets:
    - name: missing-kind
      file: data/w.txt
    - name: edm-case
      kind: edm
      file: data/c.csv
      case_sensitive: true
    - name: hashed
      kind: edm
      file: data/c.csv
      secret: true
    - name: nowhere
      kind: word_list
      file: data/none.txt
    - name: outside
      kind: word_list
      file: ../etc/passwd
    - name: dir
      kind: word_list
      file: data
    - name: missing-kind
      kind: word_list
      file: data/w.txt
    - kind: lists
      file: data/w.txt
)"),
               dir) ==
      std::vector<std::string>{
          "cfsync.yaml:5:7: dlp.datasets[\"missing-kind\"]: kind is required (word_list or edm)",
          "cfsync.yaml:10:23: dlp.datasets[\"edm-case\"].case_sensitive: applies to word lists "
          "only, not to edm",
          "cfsync.yaml:14:15: dlp.datasets[\"hashed\"].secret: a secret (hashed) EDM dataset "
          "needs the Cloudflare dashboard's encoder, which the API does not document, and "
          "cfsync will not upload its cells in plaintext; manage this dataset in the "
          "dashboard, or remove secret: true",
          "cfsync.yaml:17:13: dlp.datasets[\"nowhere\"].file: \"data/none.txt\" does not exist",
          "cfsync.yaml:20:13: dlp.datasets[\"outside\"].file: \"../etc/passwd\" leaves the config "
          "root \"" +
              dir.path().string() + "\"",
          "cfsync.yaml:23:13: dlp.datasets[\"dir\"].file: \"data\" is not a file",
          "cfsync.yaml:24:7: dlp.datasets: \"missing-kind\" is declared twice: here and at "
          "cfsync.yaml:5:7",
          "cfsync.yaml:27:7: dlp.datasets[7]: name is required (the dataset's name in the "
          "account)",
          "cfsync.yaml:27:13: dlp.datasets[7].kind: expected one of word_list, edm, got "
          "\"lists\""});
}

TEST_CASE("upload records survive a restart, a foreign file reads as none") {
  TempDir dir;
  {
    DatasetRecordStore store = DatasetRecordStore::open(dir.path() / "state");
    CHECK(store.records().empty());
    store.set_upload("ds-1", {std::string(64, 'a'), 3});
    store.set_upload("ds-2", {std::string(64, 'b'), 1});
    store.set_case_sensitive("ds-3", false);
    store.erase("ds-2");
    REQUIRE(store.save());
  }
  const DatasetRecordStore reopened = DatasetRecordStore::open(dir.path() / "state");
  CHECK(reopened.records() ==
        DatasetRecords{{"ds-1", {.upload = RecordedUpload{std::string(64, 'a'), 3}}},
                       {"ds-3", {.case_sensitive = false}}});
  // As an earlier cfsync wrote them: uploads only.
  dir.write("state/datasets.json",
            R"({"version": 1, "datasets": {"ds-1": {"sha256": "ab", "version": 2}}})");
  CHECK(DatasetRecordStore::open(dir.path() / "state").records() ==
        DatasetRecords{{"ds-1", {.upload = RecordedUpload{"ab", 2}}}});

  dir.write("state/datasets.json", R"({"version": 99, "datasets": {}})");
  CHECK(DatasetRecordStore::open(dir.path() / "state").records().empty());
  dir.write("state/datasets.json", "not json");
  CHECK(DatasetRecordStore::open(dir.path() / "state").records().empty());
}

Change dataset_change(ChangePayload payload, std::string id = "ds-1") {
  return {.kind = ResourceKind::dlp_dataset, .id = std::move(id), .payload = std::move(payload)};
}

TEST_CASE("applied dataset changes are recorded: uploads, the case sensitivity sent, deletes") {
  TempDir dir;
  DatasetRecordStore store = DatasetRecordStore::open(dir.path() / "state");
  DesiredDataset dataset{.name = "terms",
                         .case_sensitive = false,
                         .file = DatasetFile{.sha256 = std::string(64, 'a')}};
  // A create whose upload failed: the dataset exists with the case sensitivity it was created
  // with; no upload is recorded.
  store.note_applied(dataset_change(CreateDataset{dataset}, ""), "ds-1", std::nullopt, false);
  CHECK(store.records() == DatasetRecords{{"ds-1", {.case_sensitive = false}}});
  store.note_applied(dataset_change(UploadDataset{.id = "ds-1", .dataset = dataset}), "ds-1", 2,
                     true);
  CHECK(store.records().at("ds-1") ==
        DatasetRecord{RecordedUpload{std::string(64, 'a'), 2}, false});
  // A PUT: recorded once accepted.
  store.note_applied(dataset_change(UpdateDataset{.id = "ds-1", .case_sensitive = true}), "", {},
                     false);
  CHECK(store.records().at("ds-1").case_sensitive == false);
  store.note_applied(dataset_change(UpdateDataset{.id = "ds-1", .case_sensitive = true}), "", {},
                     true);
  CHECK(store.records().at("ds-1").case_sensitive == true);
  store.note_applied(dataset_change(DeleteDataset{"ds-1"}), "", {}, true);
  CHECK(store.records().empty());
}

}  // namespace
}  // namespace cfsync::config
