#include "reconcile/csv.hpp"

#include <algorithm>

namespace cfsync {

bool CsvReader::fail(const std::string& why) {
  m_error = "line " + std::to_string(m_line) + ": " + why;
  return false;
}

bool CsvReader::append(std::string_view text) {
  if (m_current.size() + text.size() > k_max_field_bytes) {
    return fail("a cell is longer than 64 KiB");
  }
  m_current.append(text);
  return true;
}

void CsvReader::end_field() {
  m_field(m_current, m_line);
  m_current.clear();
  m_row_has_fields = true;
}

void CsvReader::end_row() {
  end_field();
  m_row_end(m_line);
  m_row_has_fields = false;
  ++m_line;
}

bool CsvReader::feed(std::string_view bytes) {
  if (m_error) return false;
  // A UTF-8 byte order mark (spreadsheets write one) is not part of the first cell.
  while (m_bom_matched != k_bom_done && !bytes.empty()) {
    if (bytes.front() == k_bom[m_bom_matched]) {
      bytes.remove_prefix(1);
      if (++m_bom_matched == k_bom.size()) m_bom_matched = k_bom_done;
      continue;
    }
    const std::size_t matched = m_bom_matched;
    m_bom_matched = k_bom_done;
    for (std::size_t i = 0; i < matched; ++i) {
      if (!step(k_bom[i])) return false;
    }
  }
  // Runs of ordinary characters are copied at once; the state machine sees only the rest.
  while (!bytes.empty()) {
    if (m_state == State::field_start && bytes.front() != '"') m_state = State::unquoted;
    if (m_state == State::unquoted || m_state == State::quoted) {
      const bool quoted = m_state == State::quoted;
      const auto special = [quoted](char c) {
        return c == '"' || c == '\n' || c == '\r' || (!quoted && c == ',');
      };
      const std::size_t run = static_cast<std::size_t>(
          std::find_if(bytes.begin(), bytes.end(), special) - bytes.begin());
      if (run > 0) {
        if (!append(bytes.substr(0, run))) return false;
        bytes.remove_prefix(run);
        continue;
      }
    }
    if (!step(bytes.front())) return false;
    bytes.remove_prefix(1);
  }
  return true;
}

bool CsvReader::end_of_cell(char c) {
  switch (c) {
    case ',':
      end_field();
      m_state = State::field_start;
      return true;
    case '\n':
      end_row();
      m_state = State::field_start;
      return true;
    case '\r':  // the line ends at the '\n' that must follow
      m_state = State::after_cr;
      return true;
    default:
      return false;
  }
}

bool CsvReader::step(char c) {
  switch (m_state) {
    case State::after_cr:
      if (c != '\n') return fail("a carriage return inside a cell");
      end_row();
      m_state = State::field_start;
      return true;
    case State::field_start:
      if (c == '"') {
        m_state = State::quoted;
        return true;
      }
      m_state = State::unquoted;
      [[fallthrough]];
    case State::unquoted:
      if (end_of_cell(c)) return true;
      if (c == '"') return fail("a quote inside an unquoted cell");
      return append(std::string_view(&c, 1));
    case State::quoted:
      if (c == '"') {
        m_state = State::quote_in_quoted;
      } else if (c == '\n' || c == '\r') {
        return fail(
            "a quoted cell holds a line break, which a column upload (one cell per line) cannot "
            "carry");
      } else if (!append(std::string_view(&c, 1))) {
        return false;
      }
      return true;
    case State::quote_in_quoted:
      if (end_of_cell(c)) return true;
      if (c != '"') return fail("a character after the closing quote of a cell");
      m_state = State::quoted;  // "" is a quote
      return append("\"");
  }
  return true;
}

bool CsvReader::finish() {
  if (m_error) return false;
  if (m_bom_matched != k_bom_done && m_bom_matched > 0) {
    // A file shorter than a byte order mark, starting like one.
    const std::size_t matched = m_bom_matched;
    m_bom_matched = k_bom_done;
    for (std::size_t i = 0; i < matched; ++i) {
      if (!step(k_bom[i])) return false;
    }
  }
  switch (m_state) {
    case State::quoted:
      return fail("a quoted cell is not closed");
    case State::after_cr:
      end_row();
      return true;
    case State::field_start:
      if (!m_row_has_fields) return true;  // the file ended with a newline
      [[fallthrough]];
    case State::unquoted:
    case State::quote_in_quoted:
      end_row();
      return true;
  }
  return true;
}

}  // namespace cfsync
