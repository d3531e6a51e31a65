// A streaming CSV reader (RFC 4180): fed bytes in chunks of any size, it hands out fields and
// row ends with their line numbers, and holds at most one field in memory. A leading UTF-8 byte
// order mark is skipped. Dataset files are
// read with it twice: to check and count them, and to stream one column of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cfsync {

class CsvReader {
 public:
  // field(text, line): one field of the row on `line`; row_end(line): that row is complete.
  using FieldHandler = std::function<void(std::string_view field, std::uint64_t line)>;
  using RowHandler = std::function<void(std::uint64_t line)>;

  // A field longer than this is refused: a dataset cell is a value, not a document.
  static constexpr std::size_t k_max_field_bytes = 64 * 1024;

  CsvReader(FieldHandler field, RowHandler row_end)
      : m_field(std::move(field)), m_row_end(std::move(row_end)) {}

  // False once the input is malformed; error() says where and why.
  bool feed(std::string_view bytes);
  // End of input: the last row, even without a final newline.
  bool finish();

  [[nodiscard]] const std::optional<std::string>& error() const { return m_error; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted, after_cr };
  static constexpr std::string_view k_bom = "\xEF\xBB\xBF";
  static constexpr std::size_t k_bom_done = 4;

  bool step(char c);
  // A separator after a cell (',', '\n', '\r'): handled, and true; else false.
  bool end_of_cell(char c);
  bool fail(const std::string& why);
  bool append(std::string_view text);
  void end_field();
  void end_row();

  FieldHandler m_field;
  RowHandler m_row_end;
  State m_state = State::field_start;
  std::string m_current;
  bool m_row_has_fields = false;
  std::uint64_t m_line = 1;
  std::optional<std::string> m_error;
  std::size_t m_bom_matched = 0;  // bytes of a leading byte order mark seen, or k_bom_done
};

}  // namespace cfsync
