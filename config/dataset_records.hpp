// What cfsync uploaded to each dataset from this machine (the file's SHA-256 and the version it
// produced), kept in the state directory as datasets.json. With it, an unchanged file costs no
// upload; without it (a new machine, a deleted state directory), each dataset is uploaded once.
#pragma once

#include "reconcile/dataset_model.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <string>

namespace cfsync::config {

class DatasetRecordStore {
 public:
  // A missing, unreadable or foreign file reads as no records.
  [[nodiscard]] static DatasetRecordStore open(std::filesystem::path state_dir);

  [[nodiscard]] const DatasetRecords& records() const { return m_records; }
  void set(const std::string& dataset_id, DatasetRecord record);
  void erase(const std::string& dataset_id);

  // Writes the records back when they changed (atomically).
  [[nodiscard]] Result<void> save();

  [[nodiscard]] const std::filesystem::path& file() const { return m_file; }

 private:
  std::filesystem::path m_file;
  DatasetRecords m_records;
  bool m_changed = false;
};

}  // namespace cfsync::config
