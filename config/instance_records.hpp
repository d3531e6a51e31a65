// What cfsync sent to each AI Search instance of the settings the API never answers (chunk,
// summarization, the system prompts…), kept in the state directory as ai-search-instances.json.
// With it, such a setting is compared with what was sent; without it (a new machine, a deleted
// state directory), a declared one is sent once more.
#pragma once

#include "reconcile/ai_search_model.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace cfsync::config {

class InstanceRecordStore {
 public:
  // A missing, unreadable or foreign file reads as no records.
  [[nodiscard]] static InstanceRecordStore open(std::filesystem::path state_dir);
  // By "namespace/id".
  [[nodiscard]] const std::map<std::string, Settings>& records() const { return m_records; }
  // `sent` is written over what the instance's record holds.
  void sent(const std::string& label, const Settings& sent);
  void moved(const std::string& from, const std::string& to);
  void erase(const std::string& label);
  // Writes the records back when they changed (atomically).
  [[nodiscard]] Result<void> save();

 private:
  std::filesystem::path m_file;
  std::map<std::string, Settings> m_records;
  bool m_changed = false;
};

}  // namespace cfsync::config
