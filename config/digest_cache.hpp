// Content digests of document files, remembered across runs in the state directory so that a
// daemon does not re-read unchanged files every cycle. The cache is only an optimisation: a lost
// or stale cache costs a re-hash, never a wrong answer or a re-upload.
#pragma once

#include "reconcile/planner.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace cfsync::config {

class DigestCache {
 public:
  // The cache file of `state_dir` (digests.json); a missing, unreadable or foreign file reads
  // as an empty cache. An empty `state_dir` keeps the cache in memory only.
  [[nodiscard]] static DigestCache open(std::filesystem::path state_dir);

  // The lower-case hex digest of `file` in `algorithm` ("md5", "sha1", "sha256"): from the cache
  // when the file's size, modification time and inode are the ones recorded, else read.
  [[nodiscard]] Result<std::string> digest(const std::filesystem::path& file,
                                           std::string_view algorithm);
  // The digests in each of `algorithms`, those not cached made in one read of the file.
  [[nodiscard]] Result<Digests> digests(const std::filesystem::path& file,
                                        const std::vector<std::string_view>& algorithms);
  // The same for a file whose stat is known (the walk's): it is not taken again.
  [[nodiscard]] Result<Digests> digests(const std::filesystem::path& file, const FileStamp& stamp,
                                        const std::vector<std::string_view>& algorithms);

  // The algorithm an instance's checksums were last seen to match, if any.
  [[nodiscard]] std::string algorithm_of(const std::string& instance) const;
  void remember_algorithm(const std::string& instance, const std::string& algorithm);

  // Writes the cache back when it changed (atomically: a temporary file, then rename).
  [[nodiscard]] Result<void> save();

  [[nodiscard]] std::size_t files_read() const { return m_files_read; }

 private:
  struct Entry {
    FileStamp stamp;
    std::map<std::string, std::string> digests;
  };

  std::filesystem::path m_file;
  std::map<std::string, Entry> m_entries;  // by absolute path
  std::map<std::string, std::string> m_algorithms;
  bool m_changed = false;
  std::size_t m_files_read = 0;
};

// Hashes what the plan needs (reconcile::digests_needed): every document in SHA-256 and in the
// algorithm its item's checksum points to, and remembers per instance which algorithm matched.
[[nodiscard]] Result<void> fill_digests(DesiredState& desired,
                                        const std::vector<reconcile::DigestNeed>& needs,
                                        DigestCache& cache);

}  // namespace cfsync::config
