// Text made safe for a terminal: control characters written out, everything else kept.
#include "daemon/printable.hpp"

#include <doctest/doctest.h>

namespace cfsync::daemon {
namespace {

TEST_CASE("control characters are written out, letters of any script are kept") {
  struct Row {
    std::string in;
    std::string out;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"plain text", "plain text"},
           {"Wörter, 名前, emoji 😀", "Wörter, 名前, emoji 😀"},
           {"a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"},
           {"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
           {"\x1b]0;title\x07", "\\x1b]0;title\\x07"},
           {"del\x7f", "del\\x7f"},
           {"c1 \xc2\x9b csi \xc2\x85 nel", "c1 \\u009b csi \\u0085 nel"},
           {"nbsp\xc2\xa0kept", "nbsp\xc2\xa0kept"},
           {"bad \xff\xfe and cut \xe2\x82", "bad \\xff\\xfe and cut \\xe2\\x82"},
           {std::string("nul\0in", 6), "nul\\x00in"},
       }) {
    CAPTURE(row.in);
    CHECK(printable(row.in) == row.out);
  }
}

}  // namespace
}  // namespace cfsync::daemon
