#include "config/dataset_scan_cache.hpp"

#include "config/document.hpp"
#include "config/state_file.hpp"

#include <simdjson.h>
#include <sys/stat.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "dataset-scans.json";
// Bounds on the cache file: a larger one is not read, and entries past them are not written (their
// files are scanned each time). A configuration declares a handful of datasets.
constexpr std::uint64_t k_max_file_bytes = 4 * 1024 * 1024;
constexpr std::size_t k_max_entries = 256;
// A file modified this recently may change again within the same modification time tick: its
// scan is not kept across runs (git calls this the racy-clean problem; as in digest_cache.cpp).
constexpr std::int64_t k_racy_ns = 2'000'000'000;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t nanoseconds(const struct timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

std::optional<DatasetKind> kind_named(std::string_view name) {
  for (const DatasetKind kind : {DatasetKind::word_list, DatasetKind::edm}) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

// One entry's scan, as the scan made it (without the path and display, which are the caller's).
bool read_scan(simdjson::dom::element value, DatasetScan& out) {
  std::string_view problem;
  if (value["problem"].get_string().get(problem) == simdjson::SUCCESS) {
    out.problem = std::string(problem);
    return true;
  }
  std::string_view sha256;
  simdjson::dom::array columns;
  if (value["size"].get_uint64().get(out.file.size) != simdjson::SUCCESS ||
      value["sha256"].get_string().get(sha256) != simdjson::SUCCESS ||
      value["cells"].get_uint64().get(out.file.cells) != simdjson::SUCCESS ||
      value["columns"].get_array().get(columns) != simdjson::SUCCESS) {
    return false;
  }
  out.file.sha256 = std::string(sha256);
  for (simdjson::dom::element column : columns) {
    std::string_view name;
    DatasetColumn read;
    if (column["name"].get_string().get(name) != simdjson::SUCCESS ||
        column["cells"].get_uint64().get(read.cells) != simdjson::SUCCESS ||
        column["bytes"].get_uint64().get(read.bytes) != simdjson::SUCCESS) {
      return false;
    }
    read.name = std::string(name);
    out.file.columns.push_back(std::move(read));
  }
  return true;
}

boost::json::object scan_json(const DatasetScan& scan) {
  if (scan.problem) return {{"problem", *scan.problem}};
  boost::json::array columns;
  for (const DatasetColumn& column : scan.file.columns) {
    columns.push_back(boost::json::object{
        {"name", column.name}, {"cells", column.cells}, {"bytes", column.bytes}});
  }
  return {{"size", scan.file.size},
          {"sha256", scan.file.sha256},
          {"cells", scan.file.cells},
          {"columns", std::move(columns)}};
}

}  // namespace

DatasetScanCache DatasetScanCache::open(fs::path state_dir) {
  DatasetScanCache cache;
  if (state_dir.empty()) return cache;
  cache.m_file = std::move(state_dir) / k_file_name;
  std::error_code ec;
  if (!fs::exists(cache.m_file, ec)) return cache;
  auto text = read_bounded(cache.m_file, k_max_file_bytes);
  if (!text) {
    cache.m_warning = text.error().message();
  } else {
    cache.read(*text);
  }
  if (!cache.m_warning.empty()) {
    cache.m_warning = "the dataset scan cache \"" + cache.m_file.string() + "\" " +
                      cache.m_warning + "; ignored: dataset files are scanned again";
  }
  return cache;
}

void DatasetScanCache::read(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(text)).get(root) != simdjson::SUCCESS) {
    m_warning = "is not valid JSON";
    return;
  }
  std::int64_t version = 0;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS) {
    m_warning = "has no format version";
    return;
  }
  if (version != k_format_version) return;  // another cfsync's: rewritten, not damaged
  const auto damaged = [this] { m_warning = "is not in the expected format"; };
  simdjson::dom::array entries;
  if (root["entries"].get_array().get(entries) != simdjson::SUCCESS) return damaged();
  std::map<Key, Entry> read;
  std::vector<Key> order;
  for (simdjson::dom::element value : entries) {
    std::string_view path;
    std::string_view kind_name;
    Entry entry;
    simdjson::dom::element scan;
    const bool valid =
        value["path"].get_string().get(path) == simdjson::SUCCESS &&
        value["kind"].get_string().get(kind_name) == simdjson::SUCCESS &&
        value["device"].get_uint64().get(entry.stamp.device) == simdjson::SUCCESS &&
        value["inode"].get_uint64().get(entry.stamp.inode) == simdjson::SUCCESS &&
        value["size"].get_uint64().get(entry.stamp.size) == simdjson::SUCCESS &&
        value["mtime_ns"].get_int64().get(entry.stamp.mtime_ns) == simdjson::SUCCESS &&
        value["ctime_ns"].get_int64().get(entry.stamp.ctime_ns) == simdjson::SUCCESS &&
        value["scan"].get(scan) == simdjson::SUCCESS && read_scan(scan, entry.scan);
    const std::optional<DatasetKind> kind = valid ? kind_named(kind_name) : std::nullopt;
    if (!kind) return damaged();
    Key key{std::string(path), *kind};
    if (read.emplace(key, std::move(entry)).second) order.push_back(std::move(key));
  }
  m_entries = std::move(read);
  m_order = std::move(order);
}

std::optional<DatasetScanCache::Stamp> DatasetScanCache::stamp_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return Stamp{.device = static_cast<std::uint64_t>(info.st_dev),
               .inode = static_cast<std::uint64_t>(info.st_ino),
               .size = static_cast<std::uint64_t>(info.st_size),
               .mtime_ns = nanoseconds(info.st_mtim),
               .ctime_ns = nanoseconds(info.st_ctim)};
}

Result<DatasetFile> DatasetScanCache::scan(const fs::path& path, std::string display,
                                           DatasetKind kind) {
  Key key{path.string(), kind};
  // Taken before the scan: a file changed while it is read is kept under the stamp it had
  // before, which it never has again, so the next run scans it once more.
  const std::optional<Stamp> stamp = stamp_of(path);
  const auto found = m_entries.find(key);
  if (stamp && found != m_entries.end() && found->second.stamp == *stamp) {
    found->second.used = true;
    return dataset_file_of(found->second.scan, path, std::move(display));
  }
  CFSYNC_TRY(DatasetScan scanned, scan_dataset_file(path, display, kind));
  ++m_files_scanned;
  if (stamp) {
    m_entries.insert_or_assign(std::move(key), Entry{*stamp, scanned, true});
    m_changed = true;
  }
  return dataset_file_of(std::move(scanned), path, std::move(display));
}

Result<void> DatasetScanCache::save() {
  if (m_file.empty() || !m_changed) return {};
  const std::int64_t racy_after = now_ns() - k_racy_ns;
  std::vector<const std::pair<const Key, Entry>*> kept;
  for (const auto& item : m_entries) {
    if (item.second.used) kept.push_back(&item);
  }
  for (const Key& key : m_order) {
    const auto found = m_entries.find(key);
    if (found != m_entries.end() && !found->second.used) kept.push_back(&*found);
  }
  const std::string head = "{\"version\":" + std::to_string(k_format_version) + ",\"entries\":[";
  const std::string tail = "]}\n";
  std::string entries;
  std::size_t count = 0;
  for (const auto* item : kept) {
    const auto& [key, entry] = *item;
    if (count == k_max_entries) break;
    if (entry.stamp.mtime_ns > racy_after) continue;
    const std::string json = boost::json::serialize(boost::json::object{
        {"path", key.first},
        {"kind", to_string(key.second)},
        {"device", entry.stamp.device},
        {"inode", entry.stamp.inode},
        {"size", entry.stamp.size},
        {"mtime_ns", entry.stamp.mtime_ns},
        {"ctime_ns", entry.stamp.ctime_ns},
        {"scan", scan_json(entry.scan)},
    });
    if (head.size() + entries.size() + json.size() + 1 + tail.size() > k_max_file_bytes) continue;
    if (!entries.empty()) entries += ',';
    entries += json;
    ++count;
  }
  CFSYNC_TRY_VOID(write_atomically(m_file, head + entries + tail, "the dataset scan cache"));
  m_changed = false;
  return {};
}

}  // namespace cfsync::config
