// RFC 3339 timestamps as the API writes them, read for ordering.
#include "reconcile/instant.hpp"

#include <doctest/doctest.h>

namespace cfsync::reconcile {
namespace {

using namespace std::chrono;

TEST_CASE("RFC 3339 date-times: fractions and offsets name one instant") {
  const auto utc = parse_instant("2026-11-30T08:00:00Z");
  REQUIRE(utc);
  CHECK(utc->time_since_epoch() == sys_days(year(2026) / 11 / 30).time_since_epoch() + hours(8));
  CHECK(parse_instant("2026-11-30T09:00:00+01:00") == utc);
  CHECK(parse_instant("2026-11-30T07:30:00-00:30") == utc);
  CHECK(parse_instant("2026-11-30t08:00:00z") == utc);
  CHECK(*parse_instant("2026-11-30T08:00:00.123456789Z") - *utc == nanoseconds(123'456'789));
  CHECK(*parse_instant("2026-11-30T08:00:00.5Z") - *utc == milliseconds(500));
  // A shorter fraction is not a later instant, as a comparison of the text would have it.
  CHECK(*parse_instant("2026-11-30T08:00:00.5Z") < *parse_instant("2026-11-30T08:00:01Z"));
}

TEST_CASE("anything else is no instant") {
  for (const char* text :
       {"", "2026-11-30", "2026-11-30T08:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-30T24:00:00Z", "2026-11-30T08:00:00.Z", "2026-11-30T08:00:00+0100",
        "2026-11-30T08:00:00Z trailing", "yesterday"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_instant(text));
  }
}

}  // namespace
}  // namespace cfsync::reconcile
