#include "daemon/progress.hpp"

#include <doctest/doctest.h>

namespace cfsync::daemon {
namespace {

using std::chrono::milliseconds;

TEST_CASE("progress says done of total, the rate and the time left") {
  CHECK(progress_text(0, 10, milliseconds(0)) == "applied 0 of 10 changes");
  CHECK(progress_text(120, 2202, milliseconds(4000)) ==
        "applied 120 of 2202 changes, 30.0/s, about 70 s left");
  CHECK(progress_text(100, 2200, milliseconds(25'000)) ==
        "applied 100 of 2200 changes, 4.0/s, about 9 min left");
  CHECK(progress_text(10, 10, milliseconds(2000)) == "applied 10 of 10 changes, 5.0/s");
}

}  // namespace
}  // namespace cfsync::daemon
