// What cfsync uploaded as each AI Search item from this machine (the content's SHA-256 and size,
// and the metadata keys it set), kept in the state directory as items.json. It is what content
// is compared with when the API's checksum is not a hex digest or its file_size is null, and
// what tells the metadata cfsync set from the server's.
#pragma once

#include "reconcile/ai_search_model.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <string>

namespace cfsync::config {

class ItemRecordStore {
 public:
  // A missing, unreadable or foreign file reads as no records.
  [[nodiscard]] static ItemRecordStore open(std::filesystem::path state_dir);

  [[nodiscard]] const ItemRecords& records() const { return m_records; }
  void set(const std::string& item_id, ItemRecord record);
  void erase(const std::string& item_id);

  // Writes the records back when they changed (atomically).
  [[nodiscard]] Result<void> save();
  // Writes them whether or not they changed: before uploads, to learn that they can be kept.
  [[nodiscard]] Result<void> write();
  // The same, once `batch` changes are waiting: the whole file is rewritten each time, so saving
  // after every one of thousands of uploads would cost time in their square. A run cut short
  // loses at most the last batch: each such item is uploaded once more where the API's checksum
  // cannot be compared.
  [[nodiscard]] Result<void> save_batched(std::size_t batch);

 private:
  std::filesystem::path m_file;
  ItemRecords m_records;
  std::size_t m_unsaved = 0;  // changes since the last save
};

}  // namespace cfsync::config
