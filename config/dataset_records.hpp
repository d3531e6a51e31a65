// What cfsync sent to each dataset from this machine (the file's SHA-256 and the version it
// produced; the case sensitivity it set), kept in the state directory as datasets.json. With it,
// an unchanged file costs no upload, and a case sensitivity the API does not report costs no
// PUT; without it (a new machine, a deleted state directory), each is sent once.
#pragma once

#include "reconcile/dataset_model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cfsync::config {

class DatasetRecordStore {
 public:
  // A missing, unreadable or foreign file reads as no records.
  [[nodiscard]] static DatasetRecordStore open(std::filesystem::path state_dir);

  [[nodiscard]] const DatasetRecords& records() const { return m_records; }
  void set_upload(const std::string& dataset_id, RecordedUpload upload);
  void set_case_sensitive(const std::string& dataset_id, bool case_sensitive);
  void erase(const std::string& dataset_id);

  // Notes what an applied dataset change sent (pass_datasets.cpp passes no other): `dataset_id`
  // is the dataset it wrote to (a create's new one), `version` the version its content went into
  // once every byte was accepted, `succeeded` whether the whole change was. A create's case
  // sensitivity went with the create itself, so it counts once the dataset exists, even when its
  // upload failed.
  void note_applied(const Change& change, const std::string& dataset_id,
                    std::optional<std::int64_t> version, bool succeeded);

  // Writes the records back when they changed (atomically).
  [[nodiscard]] Result<void> save();
  // Writes them whether or not they changed: before uploads, to learn that they can be kept.
  [[nodiscard]] Result<void> write();

  [[nodiscard]] const std::filesystem::path& file() const { return m_file; }

 private:
  std::filesystem::path m_file;
  DatasetRecords m_records;
  bool m_changed = false;
};

}  // namespace cfsync::config
