#include "config/dataset_scan.hpp"

#include "reconcile/csv.hpp"
#include "reconcile/digest.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

namespace cfsync::config {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_chunk_bytes = 256 * 1024;
constexpr std::size_t k_max_line_bytes = 1024 * 1024;

// Checks that the bytes fed are UTF-8, a line at a time so that an error names its line: a
// multi-byte character never spans a newline, so complete lines are checked in bulk and only
// the unfinished last line is carried over.
class Utf8Lines {
 public:
  // False once invalid; error() says where.
  bool feed(std::string_view bytes) {
    if (!m_tail.empty()) {
      const std::size_t newline = bytes.find('\n');
      const std::string_view head = bytes.substr(0, newline);
      if (m_tail.size() + head.size() > k_max_line_bytes) return too_long();
      m_tail.append(head);
      if (newline == std::string_view::npos) return true;
      if (!check(m_tail)) return false;
      m_tail.clear();
      ++m_line;
      bytes.remove_prefix(newline + 1);
    }
    const std::size_t last = bytes.rfind('\n');
    if (last != std::string_view::npos) {
      if (!check(bytes.substr(0, last + 1))) return false;
      m_line +=
          static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.begin() + last + 1, '\n'));
      bytes.remove_prefix(last + 1);
    }
    if (bytes.size() > k_max_line_bytes) return too_long();
    m_tail.assign(bytes);
    return true;
  }

  bool finish() { return check(m_tail); }

  [[nodiscard]] const std::string& error() const { return m_error; }

 private:
  bool check(std::string_view lines) {
    if (simdjson::validate_utf8(lines.data(), lines.size())) return true;
    // Find the line: the slow way, once.
    std::uint64_t line = m_line;
    for (std::size_t start = 0; start < lines.size(); ++line) {
      const std::size_t end = std::min(lines.find('\n', start), lines.size());
      if (!simdjson::validate_utf8(lines.data() + start, end - start)) break;
      start = end + 1;
    }
    m_error = "line " + std::to_string(line) + ": not valid UTF-8";
    return false;
  }

  bool too_long() {
    m_error = "line " + std::to_string(m_line) + " is longer than 1 MiB";
    return false;
  }

  std::string m_tail;
  std::uint64_t m_line = 1;
  std::string m_error;
};

// A word list: one entry per line (LF or CRLF); empty lines are not entries.
class WordListCounter {
 public:
  void feed(std::string_view bytes) {
    while (!bytes.empty()) {
      const std::size_t newline = bytes.find('\n');
      const std::string_view part = bytes.substr(0, newline);
      if (!part.empty()) {
        m_length += part.size();
        m_last_cr = part.back() == '\r';
      }
      if (newline == std::string_view::npos) return;
      end_line();
      bytes.remove_prefix(newline + 1);
    }
  }

  void finish() {
    if (m_length > 0) end_line();
  }

  [[nodiscard]] std::uint64_t cells() const { return m_cells; }

 private:
  void end_line() {
    if (m_length > (m_last_cr ? 1u : 0u)) ++m_cells;
    m_length = 0;
    m_last_cr = false;
  }

  std::uint64_t m_length = 0;
  bool m_last_cr = false;
  std::uint64_t m_cells = 0;
};

// An EDM file: a header row naming the columns, then rows of as many cells. Blank lines are
// skipped; an empty cell is not uploaded, so a column must have at least one that is not: its
// upload body would be empty, and the spec requires one.
class EdmCounter {
 public:
  EdmCounter()
      : m_reader([this](std::string_view field, std::uint64_t line) { on_field(field, line); },
                 [this](std::uint64_t line) { on_row_end(line); }) {}

  bool feed(std::string_view bytes) { return m_reader.feed(bytes) && m_error.empty(); }

  bool finish() {
    if (!m_reader.finish() || !m_error.empty()) return false;
    if (m_columns.empty()) return fail("line 1: no header row (the file is empty)");
    if (m_rows == 0) {
      return fail("line " + std::to_string(m_last_line + 1) + ": no data rows below the header");
    }
    const std::string empty = empty_columns();
    if (empty.empty()) return true;
    return fail("line " + std::to_string(m_header_line) + ": " + empty +
                " empty in every row, and the API refuses a column without cells; give each "
                "column a value, or remove it");
  }

  [[nodiscard]] std::string error() const { return m_reader.error() ? *m_reader.error() : m_error; }
  [[nodiscard]] std::vector<DatasetColumn> columns() && { return std::move(m_columns); }
  [[nodiscard]] std::uint64_t cells() const {
    std::uint64_t total = 0;
    for (const DatasetColumn& column : m_columns) total += column.cells;
    return total;
  }

 private:
  void on_field(std::string_view field, std::uint64_t line) {
    if (!m_error.empty()) return;
    if (m_in_header) {
      const std::string place = "line " + std::to_string(line) + ": ";
      const std::size_t index = m_columns.size();
      if (field.empty()) {
        fail(place + "column " + std::to_string(index + 1) + " of the header has no name");
      } else if (!m_names.insert(std::string(field)).second) {
        fail(place + "the header names column \"" + std::string(field) + "\" twice");
      }
      m_columns.push_back({std::string(field), 0, 0});
      return;
    }
    ++m_row_fields;
    if (m_row_fields <= m_columns.size()) {
      if (m_row_fields == 1) m_first_empty = field.empty();
      if (!field.empty()) {
        DatasetColumn& column = m_columns[m_row_fields - 1];
        ++column.cells;
        column.bytes += field.size() + 1;
      }
    }
  }

  // The columns whose every cell is empty, as `column "phone" is` or `columns "a", "b" are`;
  // empty when there are none. Header names only, never a cell.
  [[nodiscard]] std::string empty_columns() const {
    std::string names;
    std::size_t count = 0;
    for (const DatasetColumn& column : m_columns) {
      if (column.cells > 0) continue;
      names += count == 0 ? "\"" : ", \"";
      names += column.name;
      names += '"';
      ++count;
    }
    if (count == 0) return names;
    return count == 1 ? "column " + names + " is" : "columns " + names + " are";
  }

  void on_row_end(std::uint64_t line) {
    m_last_line = line;
    if (!m_error.empty()) return;
    if (m_in_header) {
      m_in_header = false;
      m_header_line = line;
      return;
    }
    const std::size_t count = m_row_fields;
    m_row_fields = 0;
    if (count == 1 && m_first_empty) return;  // a blank line
    ++m_rows;
    if (count != m_columns.size()) {
      fail("line " + std::to_string(line) + ": " + std::to_string(count) +
           (count == 1 ? " cell" : " cells") + ", but the header has " +
           std::to_string(m_columns.size()) + " columns");
    }
  }

  bool fail(std::string why) {
    if (m_error.empty()) m_error = std::move(why);
    return false;
  }

  CsvReader m_reader;
  std::vector<DatasetColumn> m_columns;
  std::set<std::string> m_names;
  bool m_in_header = true;
  std::size_t m_row_fields = 0;
  bool m_first_empty = false;
  std::uint64_t m_rows = 0;
  std::uint64_t m_last_line = 0;
  std::uint64_t m_header_line = 1;
  std::string m_error;
};

}  // namespace

Result<DatasetScan> scan_dataset_file(const fs::path& path, std::string_view display,
                                      DatasetKind kind) {
  auto unreadable = [&](const std::string& why) {
    return Error(ErrorKind::io, "cannot read \"" + std::string(display) + "\": " + why);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::strerror(errno));

  DatasetScan scan;
  DatasetFile& file = scan.file;
  Digest sha256 = Digest::sha256();
  Utf8Lines utf8;
  WordListCounter words;
  EdmCounter edm;
  auto malformed = [](const std::string& why) { return DatasetScan{.problem = why}; };

  std::vector<char> buffer(k_chunk_bytes);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (chunk.empty()) break;
    if (file.size == 0 && kind == DatasetKind::word_list && chunk.starts_with("\xEF\xBB\xBF")) {
      return malformed(
          "line 1: starts with a UTF-8 byte order mark, which would become part of the first "
          "entry; save the file without one");
    }
    file.size += chunk.size();
    sha256.update(chunk);
    if (!utf8.feed(chunk)) return malformed(utf8.error());
    if (kind == DatasetKind::word_list) {
      words.feed(chunk);
    } else if (!edm.feed(chunk)) {
      return malformed(edm.error());
    }
  }
  if (in.bad()) return unreadable(std::strerror(errno));
  if (!utf8.finish()) return malformed(utf8.error());

  if (kind == DatasetKind::word_list) {
    words.finish();
    file.cells = words.cells();
    if (file.cells == 0) return malformed("has no entries: a word list needs at least one line");
  } else {
    if (!edm.finish()) return malformed(edm.error());
    file.cells = edm.cells();
    file.columns = std::move(edm).columns();
  }

  file.sha256 = sha256.hex();
  return scan;
}

Result<DatasetFile> dataset_file_of(DatasetScan scan, const fs::path& path, std::string display) {
  if (scan.problem) {
    return Error(ErrorKind::config, "\"" + display + "\" " + *scan.problem);
  }
  scan.file.path = path;
  scan.file.display = std::move(display);
  return std::move(scan.file);
}

Result<DatasetFile> scan_dataset(const fs::path& path, std::string display, DatasetKind kind) {
  CFSYNC_TRY(DatasetScan scan, scan_dataset_file(path, display, kind));
  return dataset_file_of(std::move(scan), path, std::move(display));
}

}  // namespace cfsync::config
