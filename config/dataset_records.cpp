#include "config/dataset_records.hpp"

#include "config/state_file.hpp"

#include <simdjson.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::config {

namespace {
// Version 1 records held only uploads; "case_sensitive" was added beside them, and a record may
// now hold either, so files of both shapes read the same way.
constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "datasets.json";

std::optional<RecordedUpload> upload_of(simdjson::dom::element value) {
  std::string_view sha256;
  std::int64_t version = 0;
  if (value["sha256"].get_string().get(sha256) != simdjson::SUCCESS ||
      value["version"].get_int64().get(version) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return RecordedUpload{std::string(sha256), version};
}

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
    DatasetRecord record{.upload = upload_of(value)};
    bool case_sensitive = false;
    if (value["case_sensitive"].get_bool().get(case_sensitive) == simdjson::SUCCESS) {
      record.case_sensitive = case_sensitive;
    }
    if (record == DatasetRecord{}) continue;
    store.m_records.emplace(std::string(id), std::move(record));
  }
  return store;
}

void DatasetRecordStore::set_upload(const std::string& dataset_id, RecordedUpload upload) {
  std::optional<RecordedUpload>& slot = m_records[dataset_id].upload;
  if (slot == upload) return;
  slot = std::move(upload);
  m_changed = true;
}

void DatasetRecordStore::set_case_sensitive(const std::string& dataset_id, bool case_sensitive) {
  std::optional<bool>& slot = m_records[dataset_id].case_sensitive;
  if (slot == case_sensitive) return;
  slot = case_sensitive;
  m_changed = true;
}

void DatasetRecordStore::erase(const std::string& dataset_id) {
  if (m_records.erase(dataset_id) > 0) m_changed = true;
}

void DatasetRecordStore::note_applied(const Change& change, const std::string& dataset_id,
                                      std::optional<std::int64_t> version, bool succeeded) {
  if (std::holds_alternative<DeleteDataset>(change.payload)) {
    if (succeeded) erase(change.id);
    return;
  }
  if (const auto* update = std::get_if<UpdateDataset>(&change.payload)) {
    if (succeeded && update->case_sensitive) set_case_sensitive(change.id, *update->case_sensitive);
    return;
  }
  const auto* create = std::get_if<CreateDataset>(&change.payload);
  const DesiredDataset& dataset =
      create ? create->dataset : std::get<UploadDataset>(change.payload).dataset;
  if (create && !dataset_id.empty() && dataset.case_sensitive) {
    set_case_sensitive(dataset_id, *dataset.case_sensitive);
  }
  if (version) set_upload(dataset_id, {dataset.file->sha256, *version});
}

Result<void> DatasetRecordStore::save() {
  if (!m_changed) return {};
  return write();
}

Result<void> DatasetRecordStore::write() {
  boost::json::object datasets;
  for (const auto& [id, record] : m_records) {
    boost::json::object entry;
    if (record.upload) {
      entry["sha256"] = record.upload->sha256;
      entry["version"] = record.upload->version;
    }
    if (record.case_sensitive) entry["case_sensitive"] = *record.case_sensitive;
    datasets[id] = std::move(entry);
  }
  const boost::json::object root{{"version", k_format_version}, {"datasets", std::move(datasets)}};
  CFSYNC_TRY_VOID(
      write_atomically(m_file, boost::json::serialize(root), "the dataset upload records"));
  m_changed = false;
  return {};
}

}  // namespace cfsync::config
