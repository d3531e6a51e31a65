// A directory under the system temp dir, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string_view>

namespace cfsync::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  // Writes `content` to path()/relative, creating directories; returns the full path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const;

 private:
  std::filesystem::path m_path;
};

}  // namespace cfsync::test
