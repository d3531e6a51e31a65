#include "config/digest_cache.hpp"

#include "config/state_file.hpp"
#include "reconcile/digest.hpp"

#include <simdjson.h>
#include <sys/stat.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr int k_format_version = 1;
constexpr std::string_view k_file_name = "digests.json";
// A file modified this recently may change again within the same mtime tick: its digest is not
// kept across runs (git calls this the racy-clean problem).
constexpr std::int64_t k_racy_ns = 2'000'000'000;
constexpr std::size_t k_read_chunk = 64 * 1024;

Result<FileStamp> identify(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return Error(ErrorKind::io, "cannot read \"" + file.string() + "\": " + std::strerror(errno));
  }
  return FileStamp{
      static_cast<std::uint64_t>(info.st_size),
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
      static_cast<std::uint64_t>(info.st_ino)};
}

// The file's digests in each of `algorithms`, from one read.
Result<std::vector<std::string>> hash_file(const fs::path& file,
                                           const std::vector<std::string>& algorithms) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(ErrorKind::io, "cannot read \"" + file.string() + "\"");
  std::vector<Digest> digests;
  for (const std::string& algorithm : algorithms) digests.push_back(*Digest::named(algorithm));
  std::array<char, k_read_chunk> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    for (Digest& digest : digests) {
      digest.update({buffer.data(), static_cast<std::size_t>(in.gcount())});
    }
  }
  if (in.bad()) return Error(ErrorKind::io, "cannot read \"" + file.string() + "\"");
  std::vector<std::string> out;
  for (Digest& digest : digests) out.push_back(digest.hex());
  return out;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DigestCache DigestCache::open(fs::path state_dir) {
  DigestCache cache;
  if (state_dir.empty()) return cache;
  cache.m_file = state_dir / k_file_name;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(cache.m_file.string()).get(root) != simdjson::SUCCESS) return cache;
  int64_t version = 0;
  if (root["version"].get_int64().get(version) != simdjson::SUCCESS ||
      version != k_format_version) {
    return cache;
  }
  simdjson::dom::object files;
  if (root["files"].get_object().get(files) == simdjson::SUCCESS) {
    for (auto [path, value] : files) {
      Entry entry;
      int64_t mtime = 0;
      if (value["size"].get_uint64().get(entry.stamp.size) != simdjson::SUCCESS ||
          value["mtime_ns"].get_int64().get(mtime) != simdjson::SUCCESS ||
          value["inode"].get_uint64().get(entry.stamp.inode) != simdjson::SUCCESS) {
        continue;
      }
      entry.stamp.mtime_ns = mtime;
      simdjson::dom::object digests;
      if (value["digests"].get_object().get(digests) == simdjson::SUCCESS) {
        for (auto [algorithm, hex] : digests) {
          std::string_view text;
          if (hex.get_string().get(text) == simdjson::SUCCESS) {
            entry.digests.emplace(algorithm, text);
          }
        }
      }
      cache.m_entries.emplace(path, std::move(entry));
    }
  }
  simdjson::dom::object algorithms;
  if (root["algorithms"].get_object().get(algorithms) == simdjson::SUCCESS) {
    for (auto [instance, name] : algorithms) {
      std::string_view text;
      if (name.get_string().get(text) == simdjson::SUCCESS)
        cache.m_algorithms.emplace(instance, text);
    }
  }
  return cache;
}

Result<std::string> DigestCache::digest(const fs::path& file, std::string_view algorithm) {
  CFSYNC_TRY(Digests found, digests(file, {algorithm}));
  return std::move(found.at(std::string(algorithm)));
}

Result<Digests> DigestCache::digests(const fs::path& file,
                                     const std::vector<std::string_view>& algorithms) {
  CFSYNC_TRY(const FileStamp stamp, identify(file));
  return digests(file, stamp, algorithms);
}

Result<Digests> DigestCache::digests(const fs::path& file, const FileStamp& stamp,
                                     const std::vector<std::string_view>& algorithms) {
  for (std::string_view algorithm : algorithms) {
    if (!Digest::named(algorithm)) {
      return Error(ErrorKind::usage, "unknown digest algorithm \"" + std::string(algorithm) + "\"");
    }
  }
  Entry& entry = m_entries[file.string()];
  if (entry.stamp != stamp) entry = Entry{stamp, {}};
  std::vector<std::string> missing;
  for (std::string_view algorithm : algorithms) {
    if (entry.digests.contains(std::string(algorithm)) ||
        std::find(missing.begin(), missing.end(), algorithm) != missing.end()) {
      continue;
    }
    missing.emplace_back(algorithm);
  }
  if (!missing.empty()) {
    CFSYNC_TRY(std::vector<std::string> hex, hash_file(file, missing));
    ++m_files_read;
    for (std::size_t i = 0; i < missing.size(); ++i) entry.digests[missing[i]] = hex[i];
    m_changed = true;
  }
  Digests out;
  for (std::string_view algorithm : algorithms) {
    out.emplace(algorithm, entry.digests.at(std::string(algorithm)));
  }
  return out;
}

std::string DigestCache::algorithm_of(const std::string& instance) const {
  const auto found = m_algorithms.find(instance);
  return found == m_algorithms.end() ? std::string() : found->second;
}

void DigestCache::remember_algorithm(const std::string& instance, const std::string& algorithm) {
  std::string& known = m_algorithms[instance];
  if (known == algorithm) return;
  known = algorithm;
  m_changed = true;
}

Result<void> DigestCache::save() {
  if (m_file.empty() || !m_changed) return {};
  const std::int64_t racy_after = now_ns() - k_racy_ns;
  boost::json::object files;
  for (const auto& [path, entry] : m_entries) {
    if (entry.digests.empty() || entry.stamp.mtime_ns > racy_after) continue;
    boost::json::object digests;
    for (const auto& [algorithm, hex] : entry.digests) digests[algorithm] = hex;
    files[path] = boost::json::object{{"size", entry.stamp.size},
                                      {"mtime_ns", entry.stamp.mtime_ns},
                                      {"inode", entry.stamp.inode},
                                      {"digests", std::move(digests)}};
  }
  boost::json::object algorithms;
  for (const auto& [instance, algorithm] : m_algorithms) algorithms[instance] = algorithm;
  const boost::json::object root{{"version", k_format_version},
                                 {"files", std::move(files)},
                                 {"algorithms", std::move(algorithms)}};
  CFSYNC_TRY_VOID(write_atomically(m_file, boost::json::serialize(root), "the digest cache"));
  m_changed = false;
  return {};
}

Result<void> fill_digests(DesiredState& desired, const std::vector<reconcile::DigestNeed>& needs,
                          DigestCache& cache) {
  for (const reconcile::DigestNeed& need : needs) {
    DesiredInstance& instance = desired.ai_search_instances.at(need.instance);
    DesiredDocument& document = instance.documents.at(need.document);
    std::vector<std::string_view> algorithms = {"sha256"};
    const auto algorithm = digest_algorithm_for(need.checksum);
    if (algorithm) algorithms.push_back(*algorithm);
    // A new document: also the algorithm its instance's checksums matched before, so that the
    // plan after its upload reads nothing.
    const std::string usual = algorithm ? std::string() : cache.algorithm_of(instance.label());
    if (!usual.empty()) algorithms.push_back(usual);
    // By the stat the walk took when the configuration was loaded, not another. A file written
    // since is hashed as it is now, under a stat it no longer has: the next run hashes it again.
    CFSYNC_TRY(document.digests, document.stamp
                                     ? cache.digests(document.file, *document.stamp, algorithms)
                                     : cache.digests(document.file, algorithms));
    if (algorithm && document.digests->at(*algorithm) == need.checksum) {
      cache.remember_algorithm(instance.label(), *algorithm);
    }
  }
  return {};
}

}  // namespace cfsync::config
