// Cloudflare's per-credential rate limit, with a fake clock.
#include "tests/emulator/rate_limit.hpp"

#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>

#include <string>

namespace cfsync::emulator {
namespace {

using testing::StoppedClock;

RateLimitPolicy policy_of(std::string_view text) {
  std::string problem;
  const std::optional<RateLimitPolicy> policy = parse_rate_limit(text, problem);
  REQUIRE_MESSAGE(policy, problem);
  return *policy;
}

// What a verdict shows, as one value for CHECK.
struct Seen {
  bool accepted;
  std::int64_t remaining, reset_s, retry_after_s;
  bool operator==(const Seen&) const = default;
};

Seen seen(const RateLimitVerdict& verdict) {
  return {verdict.accepted, verdict.remaining, verdict.reset_s, verdict.retry_after_s};
}

std::ostream& operator<<(std::ostream& out, const Seen& s) {
  return out << (s.accepted ? "accepted" : "refused") << " r=" << s.remaining << " t=" << s.reset_s
             << " retry-after=" << s.retry_after_s;
}

TEST_CASE("--rate-limit: REQUESTS/SECONDSs or REQUESTS/MINUTESm") {
  CHECK(policy_of("1200/300s").quota == 1200);
  CHECK(policy_of("1200/300s").window_s == 300);
  CHECK(policy_of("1200/5m").window_s == 300);
  CHECK(policy_of("1/1s").quota == 1);
  CHECK(policy_of("5/1440m").window_s == 86'400);
}

TEST_CASE("a bad --rate-limit says what is wanted") {
  for (const char* text : {"", "1200", "1200/300", "1200/300h", "/300s", "1200/s", "x/10s",
                           "1200/ 10s", "+5/10s", "99999999999999999999/10s"}) {
    CAPTURE(text);
    std::string problem;
    CHECK_FALSE(parse_rate_limit(text, problem));
    std::string wanted = "\"";
    wanted += text;  // appended: operator+ here trips g++ 12's -Wrestrict (GCC bug 105329)
    wanted += "\" is not REQUESTS/SECONDSs or REQUESTS/MINUTESm (e.g. 1200/300s or 1200/5m)";
    CHECK(problem == wanted);
  }
  std::string problem;
  CHECK_FALSE(parse_rate_limit("0/10s", problem));
  CHECK(problem == "the number of requests in \"0/10s\" must be 1 to 1000000000");
  CHECK_FALSE(parse_rate_limit("-1/10s", problem));
  CHECK_FALSE(parse_rate_limit("10/0s", problem));
  CHECK(problem == "the window in \"10/0s\" must be 1 second to 1 day");
  CHECK_FALSE(parse_rate_limit("10/1441m", problem));
  CHECK_FALSE(parse_rate_limit("10/9999999999999999m", problem));  // would overflow in seconds
}

TEST_CASE("the Q-th request is accepted, the next refused for W seconds, then a new window") {
  StoppedClock clock;
  RateLimiter limiter({.quota = 3, .window_s = 10}, clock.clock());
  CHECK(seen(limiter.admit("t")) == Seen{true, 2, 10, 0});
  clock.advance(2'500);
  CHECK(seen(limiter.admit("t")) == Seen{true, 1, 8, 0});  // 7.5 s left, rounded up
  CHECK(seen(limiter.admit("t")) == Seen{true, 0, 8, 0});  // the Q-th
  clock.advance(1'000);
  CHECK(seen(limiter.admit("t")) == Seen{false, 0, 10, 10});  // Q+1: blocked for W from now
  clock.advance(9'000);
  CHECK(seen(limiter.admit("t")) == Seen{false, 0, 1, 1});
  clock.advance(999);
  CHECK(seen(limiter.admit("t")) == Seen{false, 0, 1, 1});  // 1 ms left, rounded up
  clock.advance(1);                                         // exactly W after the first refusal
  CHECK(seen(limiter.admit("t")) == Seen{true, 2, 10, 0});
}

TEST_CASE("refused requests do not count and do not prolong the block") {
  StoppedClock clock;
  RateLimiter limiter({.quota = 1, .window_s = 60}, clock.clock());
  CHECK(limiter.admit("t").accepted);
  CHECK_FALSE(limiter.admit("t").accepted);  // the block starts here
  for (int i = 0; i < 59; ++i) {
    clock.advance(1'000);
    CHECK(seen(limiter.admit("t")) == Seen{false, 0, 59 - i, 59 - i});
  }
  clock.advance(1'000);
  CHECK(seen(limiter.admit("t")) == Seen{true, 0, 60, 0});
}

TEST_CASE("a window ends W after its first request, not on a clock grid") {
  StoppedClock clock;
  RateLimiter limiter({.quota = 2, .window_s = 10}, clock.clock());
  clock.advance(123);
  CHECK(seen(limiter.admit("t")) == Seen{true, 1, 10, 0});
  clock.advance(9'999);
  CHECK(seen(limiter.admit("t")) == Seen{true, 0, 1, 0});
  clock.advance(1);
  CHECK(seen(limiter.admit("t")) == Seen{true, 1, 10, 0});  // a new window, from this request
  clock.advance(25'000);                                    // idle: the next request opens one
  CHECK(seen(limiter.admit("t")) == Seen{true, 1, 10, 0});
  clock.advance(4'000);
  CHECK(seen(limiter.admit("t")) == Seen{true, 0, 6, 0});
}

TEST_CASE("credentials are counted apart") {
  StoppedClock clock;
  RateLimiter limiter({.quota = 1, .window_s = 10}, clock.clock());
  CHECK(limiter.admit("a").accepted);
  CHECK_FALSE(limiter.admit("a").accepted);
  CHECK(seen(limiter.admit("b")) == Seen{true, 0, 10, 0});
  CHECK_FALSE(limiter.admit("b").accepted);
  CHECK_FALSE(limiter.admit("a").accepted);
}

TEST_CASE("Ratelimit and Ratelimit-Policy on every verdict, retry-after on refusals") {
  const RateLimitPolicy policy{.quota = 1200, .window_s = 300};
  using Headers = std::vector<std::pair<std::string, std::string>>;
  CHECK(rate_limit_headers(policy, {.accepted = true, .remaining = 1199, .reset_s = 300}) ==
        Headers{{"Ratelimit", "\"default\";r=1199;t=300"},
                {"Ratelimit-Policy", "\"default\";q=1200;w=300"}});
  CHECK(rate_limit_headers(
            policy, {.accepted = false, .remaining = 0, .reset_s = 17, .retry_after_s = 17}) ==
        Headers{{"Ratelimit", "\"default\";r=0;t=17"},
                {"Ratelimit-Policy", "\"default\";q=1200;w=300"},
                {"retry-after", "17"}});
}

}  // namespace
}  // namespace cfsync::emulator
