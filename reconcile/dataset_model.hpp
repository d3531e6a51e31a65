// DLP datasets (API.md §5): word lists and multi-column EDM files declared in the configuration,
// the datasets the account holds, and what cfsync recorded of its own uploads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync {

// word_list: one entry per line, uploaded as the file is (encoding_version 1).
// edm: a CSV file with a header row, each column uploaded as its own entry (encoding_version 2).
enum class DatasetKind { word_list, edm };

[[nodiscard]] std::string_view to_string(DatasetKind kind);

// One column of an EDM file as uploaded: its cells, one per line, empty cells left out.
struct DatasetColumn {
  std::string name;         // the header cell
  std::uint64_t cells = 0;  // non-empty cells
  std::uint64_t bytes = 0;  // the upload body: the cells, each followed by '\n'
  friend bool operator==(const DatasetColumn&, const DatasetColumn&) = default;
};

// What a scan of the file found. Counts and a digest only: the content is never held.
struct DatasetFile {
  std::filesystem::path path;  // where to read it
  std::string display;         // as the configuration names it, for messages
  std::uint64_t size = 0;      // bytes; a word list is uploaded as the file is
  std::string sha256;          // hex, lower case
  std::uint64_t cells = 0;     // word list: non-empty lines; edm: non-empty cells of all columns
  std::vector<DatasetColumn> columns;  // edm only, in the header's order
  friend bool operator==(const DatasetFile&, const DatasetFile&) = default;
};

struct DesiredDataset {
  std::string name;                        // identity: the API requires it unique
  std::optional<std::string> description;  // unset: not managed
  DatasetKind kind = DatasetKind::word_list;
  std::optional<bool> case_sensitive;  // word lists only; unset: not managed
  // Unset: the content is not managed (an exported or adopted dataset whose file is not in
  // git); only the description and case sensitivity are, and nothing is ever uploaded.
  std::optional<DatasetFile> file;
};

// dlp_DatasetUploadStatus.
enum class UploadStatus { empty, uploading, pending, processing, failed, complete };

[[nodiscard]] std::string_view to_string(UploadStatus status);
[[nodiscard]] std::optional<UploadStatus> parse_upload_status(std::string_view text);
// complete or failed: processing is over.
[[nodiscard]] bool is_final(UploadStatus status);

struct LiveDatasetColumn {
  std::string entry_id;
  std::string header_name;
  std::int64_t num_cells = 0;
  UploadStatus upload_status = UploadStatus::empty;
};

struct LiveDatasetUpload {
  std::int64_t version = 0;
  UploadStatus status = UploadStatus::empty;
  std::int64_t num_cells = 0;
};

struct LiveDataset {
  std::string id;
  std::string name;
  std::optional<std::string> description;  // null in the API
  bool secret = false;
  std::optional<bool> case_sensitive;
  int encoding_version = 0;  // 0 and 1: one column (word list, EDMv1); 2: multi-column
  std::int64_t num_cells = 0;
  UploadStatus status = UploadStatus::empty;
  // The highest version in uploads[], and its status; unset when nothing was ever uploaded.
  std::optional<std::int64_t> latest_version;
  UploadStatus latest_status = UploadStatus::empty;
  std::vector<LiveDatasetUpload> uploads;
  std::vector<LiveDatasetColumn> columns;  // of the latest version

  [[nodiscard]] bool multi_column() const { return encoding_version >= 2; }
};

// An upload cfsync made: the file's digest and the version it went into.
struct RecordedUpload {
  std::string sha256;
  std::int64_t version = 0;
  friend bool operator==(const RecordedUpload&, const RecordedUpload&) = default;
};

// What cfsync sent to a dataset from this machine, kept in the state directory by dataset id:
// its last upload, and the case sensitivity it last set, which stands in for the live value
// when the API's answers leave case_sensitive out (the spec does not require it there).
struct DatasetRecord {
  std::optional<RecordedUpload> upload;
  std::optional<bool> case_sensitive;
  friend bool operator==(const DatasetRecord&, const DatasetRecord&) = default;
};

using DatasetRecords = std::map<std::string, DatasetRecord>;

struct LiveDatasets {
  std::vector<LiveDataset> datasets;  // as listed
  DatasetRecords records;             // filled in from the state directory before planning
  // Set with the records (`--retry-failed`): a file whose recorded upload failed processing is
  // uploaded again unchanged, instead of being left out with a warning.
  bool retry_failed = false;
};

}  // namespace cfsync
