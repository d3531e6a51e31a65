#include "api/body_source.hpp"

#include "reconcile/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace cfsync::api {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_chunk_bytes = 256 * 1024;

Error changed(const fs::path& file) {
  return Error(ErrorKind::io,
               "\"" + file.string() + "\" changed while it was being uploaded; run cfsync again");
}

Result<std::ifstream> open_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Error(ErrorKind::io, "cannot read \"" + file.string() + "\": " + std::strerror(errno));
  }
  return in;
}

class FileReader final : public BodyReader {
 public:
  FileReader(fs::path file, std::ifstream in, std::uint64_t size)
      : m_file(std::move(file)), m_in(std::move(in)), m_left(size) {}

  Result<std::size_t> read(std::span<char> out) override {
    if (m_left == 0) {
      // The file must end where the announced size does.
      if (m_in.peek() != std::ifstream::traits_type::eof()) return changed(m_file);
      return std::size_t{0};
    }
    const auto wanted = static_cast<std::streamsize>(std::min<std::uint64_t>(out.size(), m_left));
    m_in.read(out.data(), wanted);
    const auto got = static_cast<std::size_t>(m_in.gcount());
    if (got == 0) return changed(m_file);
    m_left -= got;
    return got;
  }

 private:
  fs::path m_file;
  std::ifstream m_in;
  std::uint64_t m_left;
};

class FileSource final : public BodySource {
 public:
  FileSource(fs::path file, std::uint64_t size) : m_file(std::move(file)), m_size(size) {}

  std::uint64_t size() const override { return m_size; }

  Result<std::unique_ptr<BodyReader>> open() const override {
    CFSYNC_TRY(std::ifstream in, open_file(m_file));
    return std::unique_ptr<BodyReader>(std::make_unique<FileReader>(m_file, std::move(in), m_size));
  }

 private:
  fs::path m_file;
  std::uint64_t m_size;
};

// Parses the CSV a chunk at a time and keeps the cells of one column, queued as the bytes to
// send; the queue never holds more than one chunk's worth of cells.
class ColumnReader final : public BodyReader {
 public:
  ColumnReader(fs::path file, std::ifstream in, std::size_t column, std::uint64_t size)
      : m_file(std::move(file)),
        m_in(std::move(in)),
        m_column(column),
        m_left(size),
        m_csv([this](std::string_view field, std::uint64_t) { on_field(field); },
              [this](std::uint64_t) { on_row_end(); }),
        m_chunk(k_chunk_bytes) {}

  Result<std::size_t> read(std::span<char> out) override {
    while (m_pending.size() - m_sent == 0 && !m_done) {
      m_pending.clear();
      m_sent = 0;
      CFSYNC_TRY_VOID(parse_chunk());
    }
    const std::size_t available = m_pending.size() - m_sent;
    if (available > m_left) return changed(m_file);
    if (available == 0) {
      if (m_left != 0) return changed(m_file);
      return std::size_t{0};
    }
    const std::size_t n = std::min(out.size(), available);
    std::memcpy(out.data(), m_pending.data() + m_sent, n);
    m_sent += n;
    m_left -= n;
    return n;
  }

 private:
  Result<void> parse_chunk() {
    m_in.read(m_chunk.data(), static_cast<std::streamsize>(m_chunk.size()));
    const std::string_view bytes(m_chunk.data(), static_cast<std::size_t>(m_in.gcount()));
    if (m_in.bad()) {
      return Error(ErrorKind::io,
                   "cannot read \"" + m_file.string() + "\": " + std::strerror(errno));
    }
    const bool ok = bytes.empty() ? (m_done = true, m_csv.finish()) : m_csv.feed(bytes);
    // The scan accepted the file: a parse error now means it changed since.
    if (!ok) return changed(m_file);
    return {};
  }

  void on_field(std::string_view field) {
    if (m_field++ == m_column) m_cell = field;
  }

  // A blank line has no cell in this column, or an empty one: nothing is sent for it.
  void on_row_end() {
    if (!m_header && !m_cell.empty()) {
      m_pending.append(m_cell);
      m_pending.push_back('\n');
    }
    m_header = false;
    m_field = 0;
    m_cell.clear();
  }

  fs::path m_file;
  std::ifstream m_in;
  std::size_t m_column;
  std::uint64_t m_left;
  CsvReader m_csv;
  std::vector<char> m_chunk;
  std::string m_pending;
  std::size_t m_sent = 0;
  bool m_done = false;
  bool m_header = true;
  std::size_t m_field = 0;
  std::string m_cell;
};

class ColumnSource final : public BodySource {
 public:
  ColumnSource(fs::path file, std::size_t column, std::uint64_t size)
      : m_file(std::move(file)), m_column(column), m_size(size) {}

  std::uint64_t size() const override { return m_size; }

  Result<std::unique_ptr<BodyReader>> open() const override {
    CFSYNC_TRY(std::ifstream in, open_file(m_file));
    return std::unique_ptr<BodyReader>(
        std::make_unique<ColumnReader>(m_file, std::move(in), m_column, m_size));
  }

 private:
  fs::path m_file;
  std::size_t m_column;
  std::uint64_t m_size;
};

}  // namespace

std::shared_ptr<const BodySource> file_source(fs::path file, std::uint64_t size) {
  return std::make_shared<FileSource>(std::move(file), size);
}

std::shared_ptr<const BodySource> csv_column_source(fs::path file, std::size_t column,
                                                    std::uint64_t size) {
  return std::make_shared<ColumnSource>(std::move(file), column, size);
}

}  // namespace cfsync::api
