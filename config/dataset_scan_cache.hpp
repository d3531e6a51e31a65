// Dataset file scans remembered across runs in the state directory (dataset-scans.json), so that a
// plan does not read an unchanged file again: a 1 GiB EDM file costs seconds of CPU to scan. An
// entry answers only for the file it was made from: the same path and kind, and the same device,
// inode, size, modification time and change time. What it gives back is what the scan found,
// summary or problem alike, so that plans and errors are the same with or without it. The cache
// is only an optimisation: a lost, stale or damaged cache costs a scan, never another answer.
#pragma once

#include "config/dataset_scan.hpp"
#include "reconcile/dataset_model.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cfsync::config {

class DatasetScanCache {
 public:
  // The cache file of `state_dir`. A missing file, or one of another format version, reads as an
  // empty cache; so does a damaged or oversized one, and warning() then says so. An empty
  // `state_dir` keeps the cache in memory only.
  [[nodiscard]] static DatasetScanCache open(std::filesystem::path state_dir);

  // scan_dataset(path, display, kind): the cached scan when the file is still the one it was
  // made from, else a new one (remembered, unless the file cannot be read).
  [[nodiscard]] Result<DatasetFile> scan(const std::filesystem::path& path, std::string display,
                                         DatasetKind kind);

  // Writes the cache back when a scan added to it (atomically), the entries looked up in this
  // run first, then earlier ones while the bounds allow. A file modified in the last two seconds
  // is not kept: it may change again without its modification time moving.
  [[nodiscard]] Result<void> save();

  // Why the cache file was ignored, without its content; empty when it was not.
  [[nodiscard]] const std::string& warning() const { return m_warning; }
  // How many files this cache scanned (the others came from it).
  [[nodiscard]] std::size_t files_scanned() const { return m_files_scanned; }

 private:
  // The file as one stat saw it: what an entry is trusted for.
  struct Stamp {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  struct Entry {
    Stamp stamp;
    DatasetScan scan;
    bool used = false;  // looked up in this run: saved first
  };
  using Key = std::pair<std::string, DatasetKind>;  // the absolute path, the kind

  [[nodiscard]] static std::optional<Stamp> stamp_of(const std::filesystem::path& path);
  void read(const std::string& text);

  std::filesystem::path m_file;
  std::map<Key, Entry> m_entries;
  std::vector<Key> m_order;  // the entries read from the file, in its order
  bool m_changed = false;
  std::string m_warning;
  std::size_t m_files_scanned = 0;
};

}  // namespace cfsync::config
