// Dataset files read once, in chunks, before anything is sent: checked (UTF-8, CSV shape) and
// summarised (SHA-256, cell counts per column). Memory does not grow with the file.
#pragma once

#include "reconcile/dataset_model.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cfsync::config {

// What a scan found, apart from the names the configuration gives the file: what the scan cache
// (dataset_scan_cache) keeps. `file` without its path and display; or, for a malformed file,
// `problem`: why, naming the line ("line 7: 3 cells, the header has 2"), never quoting content.
struct DatasetScan {
  DatasetFile file;
  std::optional<std::string> problem;
  friend bool operator==(const DatasetScan&, const DatasetScan&) = default;
};

// The scan itself: only a file that cannot be read is an error (ErrorKind::io, naming `display`).
[[nodiscard]] Result<DatasetScan> scan_dataset_file(const std::filesystem::path& path,
                                                    std::string_view display, DatasetKind kind);

// What the configuration gets from a scan of the file at `path`: its summary, or, for a malformed
// file, ErrorKind::config with "\"<display>\" <problem>".
[[nodiscard]] Result<DatasetFile> dataset_file_of(DatasetScan scan,
                                                  const std::filesystem::path& path,
                                                  std::string display);

// Both in one: a malformed file is ErrorKind::config with a message that names the line ("line 7:
// 3 cells, the header has 2"); one that cannot be read is ErrorKind::io. Messages never quote
// content. The configuration's files are scanned through DatasetScanCache::scan.
[[nodiscard]] Result<DatasetFile> scan_dataset(const std::filesystem::path& path,
                                               std::string display, DatasetKind kind);

}  // namespace cfsync::config
