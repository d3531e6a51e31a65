#include "config/dataset_records.hpp"

#include "config/state_file.hpp"

#include <simdjson.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::config {

namespace {
constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "datasets.json";
}  // namespace

DatasetRecordStore DatasetRecordStore::open(std::filesystem::path state_dir) {
  DatasetRecordStore store;
  store.m_file = std::move(state_dir) / k_file_name;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(store.m_file.string()).get(root) != simdjson::SUCCESS) return store;
  std::int64_t version = 0;
  simdjson::dom::object datasets;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version ||
      root["datasets"].get_object().get(datasets) != simdjson::SUCCESS) {
    return store;
  }
  for (auto [id, value] : datasets) {
    std::string_view sha256;
    std::int64_t uploaded = 0;
    if (value["sha256"].get_string().get(sha256) != simdjson::SUCCESS ||
        value["version"].get_int64().get(uploaded) != simdjson::SUCCESS) {
      continue;
    }
    store.m_records.emplace(std::string(id), DatasetRecord{std::string(sha256), uploaded});
  }
  return store;
}

void DatasetRecordStore::set(const std::string& dataset_id, DatasetRecord record) {
  DatasetRecord& slot = m_records[dataset_id];
  if (slot == record) return;
  slot = std::move(record);
  m_changed = true;
}

void DatasetRecordStore::erase(const std::string& dataset_id) {
  if (m_records.erase(dataset_id) > 0) m_changed = true;
}

Result<void> DatasetRecordStore::save() {
  if (!m_changed) return {};
  boost::json::object datasets;
  for (const auto& [id, record] : m_records) {
    datasets[id] = boost::json::object{{"sha256", record.sha256}, {"version", record.version}};
  }
  const boost::json::object root{{"version", k_format_version}, {"datasets", std::move(datasets)}};
  CFSYNC_TRY_VOID(
      write_atomically(m_file, boost::json::serialize(root), "the dataset upload records"));
  m_changed = false;
  return {};
}

}  // namespace cfsync::config
