#include "config/instance_records.hpp"

#include "config/state_file.hpp"

#include <simdjson.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::config {

namespace {

constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "ai-search-instances.json";

}  // namespace

InstanceRecordStore InstanceRecordStore::open(std::filesystem::path state_dir) {
  InstanceRecordStore store;
  store.m_file = std::move(state_dir) / k_file_name;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(store.m_file.string()).get(root) != simdjson::SUCCESS) return store;
  std::int64_t version = 0;
  simdjson::dom::object instances;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version ||
      root["instances"].get_object().get(instances) != simdjson::SUCCESS) {
    return store;
  }
  for (const simdjson::dom::key_value_pair instance : instances) {
    simdjson::dom::object settings;
    if (instance.value.get_object().get(settings) != simdjson::SUCCESS) continue;
    Settings& record = store.m_records[std::string(instance.key)];
    for (const simdjson::dom::key_value_pair setting : settings) {
      record[std::string(setting.key)] = simdjson::minify(setting.value);
    }
  }
  return store;
}

void InstanceRecordStore::sent(const std::string& label, const Settings& sent) {
  if (sent.empty()) return;
  Settings& record = m_records[label];
  for (const auto& [key, value] : sent) record[key] = value;
  m_changed = true;
}

void InstanceRecordStore::moved(const std::string& from, const std::string& to) {
  auto found = m_records.find(from);
  if (found == m_records.end()) return;
  m_records[to] = std::move(found->second);
  m_records.erase(from);
  m_changed = true;
}

void InstanceRecordStore::erase(const std::string& label) {
  if (m_records.erase(label) > 0) m_changed = true;
}

Result<void> InstanceRecordStore::save() {
  if (!m_changed) return {};
  boost::json::object instances;
  for (const auto& [label, settings] : m_records) {
    boost::json::object record;
    for (const auto& [key, value] : settings) record[key] = boost::json::parse(value);
    instances[label] = std::move(record);
  }
  const boost::json::object root{{"version", k_format_version},
                                 {"instances", std::move(instances)}};
  CFSYNC_TRY_VOID(
      write_atomically(m_file, boost::json::serialize(root), "the AI Search instance records"));
  m_changed = false;
  return {};
}

}  // namespace cfsync::config
