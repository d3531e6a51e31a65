// Request bodies too large to hold in memory: read in chunks while they are sent, with their
// size known up front for Content-Length. A file whose length changed since the scan that sized
// it fails the request instead of sending something else. (A same-size edit goes up as it is
// and is recorded under the scanned digest: the next run sees the new digest and uploads again.)
#pragma once

#include "reconcile/result.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace cfsync::api {

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Up to out.size() bytes; 0 once the body is complete. Fails (ErrorKind::io) when the body
  // cannot be produced as announced.
  [[nodiscard]] virtual Result<std::size_t> read(std::span<char> out) = 0;
};

class BodySource {
 public:
  virtual ~BodySource() = default;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // A reader from the start: a request sent again reads again.
  [[nodiscard]] virtual Result<std::unique_ptr<BodyReader>> open() const = 0;
};

// A file as it is, `size` bytes.
[[nodiscard]] std::shared_ptr<const BodySource> file_source(std::filesystem::path file,
                                                            std::uint64_t size);

// Column `column` (0-based) of a CSV file whose first row is a header: the non-empty cells
// below the header, each followed by '\n' — `size` bytes, as the scan counted them. Blank lines
// are skipped, as the scan skips them.
[[nodiscard]] std::shared_ptr<const BodySource> csv_column_source(std::filesystem::path file,
                                                                  std::size_t column,
                                                                  std::uint64_t size);

}  // namespace cfsync::api
