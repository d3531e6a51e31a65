// The streaming CSV reader: fields and rows with line numbers, whatever the chunking.
#include "reconcile/csv.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cfsync {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::uint64_t> row_lines;
  std::optional<std::string> error;
};

// Feeds `text` in chunks of `chunk` bytes.
Parsed parse(std::string_view text, std::size_t chunk = 1) {
  Parsed out;
  std::vector<std::string> row;
  CsvReader reader([&](std::string_view field, std::uint64_t) { row.emplace_back(field); },
                   [&](std::uint64_t line) {
                     out.rows.push_back(std::move(row));
                     out.row_lines.push_back(line);
                     row.clear();
                   });
  bool ok = true;
  for (std::size_t at = 0; ok && at < text.size(); at += chunk) {
    ok = reader.feed(text.substr(at, chunk));
  }
  if (ok) reader.finish();
  out.error = reader.error();
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST_CASE("fields, quoted fields and line endings, in any chunking") {
  const std::string text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n,\nlast,row";
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 1000u}) {
    CAPTURE(chunk);
    const Parsed parsed = parse(text, chunk);
    CHECK_FALSE(parsed.error);
    CHECK(parsed.rows == Rows{{"a", "b"}, {"x, y", "say \"hi\""}, {"", ""}, {"last", "row"}});
    CHECK(parsed.row_lines == std::vector<std::uint64_t>{1, 2, 3, 4});
  }
}

TEST_CASE("a final newline ends the last row, none is needed") {
  CHECK(parse("a\nb\n").rows == Rows{{"a"}, {"b"}});
  CHECK(parse("a\nb").rows == Rows{{"a"}, {"b"}});
  CHECK(parse("a\r").rows == Rows{{"a"}});
  CHECK(parse("").rows.empty());
}

TEST_CASE("a leading byte order mark is not part of the first cell") {
  for (std::size_t chunk : {1u, 2u, 100u}) {
    CHECK(parse("\xEF\xBB\xBFname,id\n", chunk).rows == Rows{{"name", "id"}});
  }
  // Bytes that start like one but are not: kept.
  CHECK(parse("\xEF\xBBx\n").rows == Rows{{"\xEF\xBBx"}});
  CHECK(parse("\xEF").rows == Rows{{"\xEF"}});
}

TEST_CASE("malformed input names its line") {
  CHECK(parse("a\nb\"c\n").error == "line 2: a quote inside an unquoted cell");
  CHECK(parse("a\n\"b\"c\n").error == "line 2: a character after the closing quote of a cell");
  CHECK(parse("a\n\"open\n").error ==
        "line 2: a quoted cell holds a line break, which a column upload (one cell per line) "
        "cannot carry");
  CHECK(parse("a\n\"never closed").error == "line 2: a quoted cell is not closed");
  CHECK(parse("a\rb\n").error == "line 1: a carriage return inside a cell");
  CHECK(parse("ok\n" + std::string(CsvReader::k_max_field_bytes + 1, 'x')).error ==
        "line 2: a cell is longer than 64 KiB");
}

TEST_CASE("nothing is read after an error") {
  int rows = 0;
  CsvReader reader([](std::string_view, std::uint64_t) {}, [&](std::uint64_t) { ++rows; });
  CHECK_FALSE(reader.feed("a\"\n"));
  CHECK_FALSE(reader.feed("b\n"));
  CHECK_FALSE(reader.finish());
  CHECK(rows == 0);
}

}  // namespace
}  // namespace cfsync
