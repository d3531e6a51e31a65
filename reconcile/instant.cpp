#include "reconcile/instant.hpp"

#include <charconv>

namespace cfsync::reconcile {

namespace {

// Reads exactly `digits` decimal digits at `at`, advancing it.
std::optional<int> number(std::string_view text, std::size_t& at, std::size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  const char* first = text.data() + at;
  const auto [end, error] = std::from_chars(first, first + digits, value);
  if (error != std::errc() || end != first + digits) return std::nullopt;
  at += digits;
  return value;
}

bool expect(std::string_view text, std::size_t& at, std::string_view any_of) {
  if (at >= text.size() || any_of.find(text[at]) == std::string_view::npos) return false;
  ++at;
  return true;
}

}  // namespace

std::optional<Instant> parse_instant(std::string_view text) {
  using namespace std::chrono;
  std::size_t at = 0;
  const auto y = number(text, at, 4);
  if (!y || !expect(text, at, "-")) return std::nullopt;
  const auto mo = number(text, at, 2);
  if (!mo || !expect(text, at, "-")) return std::nullopt;
  const auto d = number(text, at, 2);
  if (!d || !expect(text, at, "Tt ")) return std::nullopt;
  const auto h = number(text, at, 2);
  if (!h || !expect(text, at, ":")) return std::nullopt;
  const auto mi = number(text, at, 2);
  if (!mi || !expect(text, at, ":")) return std::nullopt;
  const auto s = number(text, at, 2);
  if (!s) return std::nullopt;
  const year_month_day date{year(*y), month(static_cast<unsigned>(*mo)),
                            day(static_cast<unsigned>(*d))};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  nanoseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::int64_t scale = 100'000'000;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += nanoseconds((text[at] - '0') * scale);
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  minutes offset{0};
  if (expect(text, at, "Zz")) {
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int sign = text[at++] == '-' ? -1 : 1;
    const auto oh = number(text, at, 2);
    if (!oh || !expect(text, at, ":")) return std::nullopt;
    const auto om = number(text, at, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = minutes(sign * (*oh * 60 + *om));
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  return Instant(sys_days(date)) + hours(*h) + minutes(*mi) + seconds(*s) + fraction - offset;
}

}  // namespace cfsync::reconcile
