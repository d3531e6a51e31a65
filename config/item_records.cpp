#include "config/item_records.hpp"

#include "config/state_file.hpp"

#include <simdjson.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace cfsync::config {

namespace {
constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "items.json";
}  // namespace

ItemRecordStore ItemRecordStore::open(std::filesystem::path state_dir) {
  ItemRecordStore store;
  store.m_file = std::move(state_dir) / k_file_name;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(store.m_file.string()).get(root) != simdjson::SUCCESS) return store;
  std::int64_t version = 0;
  simdjson::dom::object items;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version || root["items"].get_object().get(items) != simdjson::SUCCESS) {
    return store;
  }
  for (auto [id, value] : items) {
    ItemRecord record;
    std::string_view sha256;
    std::uint64_t size = 0;
    simdjson::dom::array keys;
    if (value["sha256"].get_string().get(sha256) != simdjson::SUCCESS ||
        value["size"].get_uint64().get(size) != simdjson::SUCCESS ||
        value["metadata_keys"].get_array().get(keys) != simdjson::SUCCESS) {
      continue;
    }
    record.sha256 = sha256;
    record.size = size;
    for (simdjson::dom::element key : keys) {
      std::string_view text;
      if (key.get_string().get(text) == simdjson::SUCCESS) record.metadata_keys.emplace_back(text);
    }
    std::sort(record.metadata_keys.begin(), record.metadata_keys.end());
    store.m_records.emplace(std::string(id), std::move(record));
  }
  return store;
}

void ItemRecordStore::set(const std::string& item_id, ItemRecord record) {
  std::sort(record.metadata_keys.begin(), record.metadata_keys.end());
  ItemRecord& slot = m_records[item_id];
  if (slot == record) return;
  slot = std::move(record);
  ++m_unsaved;
}

void ItemRecordStore::erase(const std::string& item_id) {
  if (m_records.erase(item_id) > 0) ++m_unsaved;
}

Result<void> ItemRecordStore::save_batched(std::size_t batch) {
  if (m_unsaved < batch) return {};
  return save();
}

Result<void> ItemRecordStore::save() {
  if (m_unsaved == 0) return {};
  return write();
}

Result<void> ItemRecordStore::write() {
  boost::json::object items;
  for (const auto& [id, record] : m_records) {
    boost::json::array keys;
    for (const std::string& key : record.metadata_keys) keys.emplace_back(key);
    items[id] = boost::json::object{
        {"sha256", record.sha256}, {"size", record.size}, {"metadata_keys", std::move(keys)}};
  }
  const boost::json::object root{{"version", k_format_version}, {"items", std::move(items)}};
  CFSYNC_TRY_VOID(
      write_atomically(m_file, boost::json::serialize(root), "the item upload records"));
  m_unsaved = 0;
  return {};
}

}  // namespace cfsync::config
