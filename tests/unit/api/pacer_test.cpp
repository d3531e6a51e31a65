// The pacer as a table of time points: when the next request may go, and what answers teach.
#include "api/pacer.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::api {
namespace {

using namespace std::chrono_literals;
using TimePoint = Pacer::TimePoint;

const TimePoint t0{};
const auto wall = std::chrono::system_clock::from_time_t(1'700'000'000);

HttpResponse with(std::vector<std::pair<std::string, std::string>> headers) {
  return HttpResponse{.status = 200, .headers = std::move(headers)};
}

TEST_CASE("rate limits are read as N/PERIOD") {
  CHECK(parse_rate_limit("1200/300s").value() == RateLimit{1200, 300s});
  CHECK(parse_rate_limit("1200/5m").value() == RateLimit{1200, 300s});
  CHECK(parse_rate_limit("10/1h").value() == RateLimit{10, 3600s});
  for (const char* wrong : {"", "1200", "1200/", "1200/300", "0/1s", "5/0s", "x/1s", "5/1d"}) {
    INFO(wrong);
    CHECK_FALSE(parse_rate_limit(wrong));
  }
}

TEST_CASE("budget headers: Ratelimit and Ratelimit-Policy, or the older X-RateLimit-*") {
  BudgetReport report = read_budget(with({{"Ratelimit", "\"default\";r=50;t=30"},
                                          {"Ratelimit-Policy", "\"default\";q=1200;w=300"}}),
                                    wall);
  CHECK(report.remaining == 50);
  CHECK(report.reset == std::chrono::milliseconds(30'000));
  CHECK(report.policy == RateLimit{1200, 300s});

  // Several policies: the one with the fewest requests left decides.
  report =
      read_budget(with({{"RateLimit", "\"burst\";r=90;t=10, \"daily\";r=7;t=600"},
                        {"RateLimit-Policy", "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400"}}),
                  wall);
  CHECK(report.remaining == 7);
  CHECK(report.reset == std::chrono::milliseconds(600'000));
  CHECK(report.policy == RateLimit{1000, 86400s});

  report = read_budget(with({{"X-RateLimit-Remaining", "12"},
                             {"X-RateLimit-Reset", "Tue, 14 Nov 2023 22:14:20 GMT"},
                             {"X-RateLimit-Limit", "1200"}}),
                       wall);
  CHECK(report.remaining == 12);
  CHECK(report.reset == std::chrono::milliseconds(60'000));
  CHECK(report.policy == RateLimit{1200, 300s});
  CHECK(
      read_budget(with({{"X-RateLimit-Remaining", "3"}, {"X-RateLimit-Reset", "1700000090"}}), wall)
          .reset == std::chrono::milliseconds(90'000));
  CHECK(read_budget(with({{"X-RateLimit-Remaining", "3"}, {"X-RateLimit-Reset", "45"}}), wall)
            .reset == std::chrono::milliseconds(45'000));
  CHECK(read_budget(with({}), wall).empty());
  CHECK(read_budget(with({{"Ratelimit", "garbage"}}), wall).empty());
}

TEST_CASE("on its own, the pacer spends the configured limit per window, and no more") {
  Pacer pacer(RateLimit{3, 10s});
  for (int i = 0; i < 3; ++i) {
    CHECK(pacer.next_slot(t0) == t0);
    pacer.take(t0);
  }
  // The fourth waits until the first leaves the window (plus a second of margin).
  CHECK(pacer.next_slot(t0 + 1s) == t0 + 11s);
  CHECK(pacer.next_slot(t0 + 11s) == t0 + 11s);
  pacer.take(t0 + 11s);
  CHECK(pacer.next_slot(t0 + 11s) == t0 + 11s);  // the second and third left too
  CHECK(pacer.remaining(t0 + 11s) == 2);
}

TEST_CASE("the API's count of what is left wins, others' requests included") {
  Pacer pacer(RateLimit{1200, 300s});
  const std::uint64_t ticket = pacer.take(t0);
  // Someone else spent most of the window: 30 left, reset in 60 s. A reserve of 24 (2 % of
  // 1200) stays for them; the 6 usable are spent evenly up to the reset: the first when the
  // 5 after it cover the paced share of the time left (5 × 300 s / 900 = 1.666 s).
  pacer.observe(ticket, {.remaining = 30, .reset = 60s, .policy = RateLimit{1200, 300s}}, t0);
  CHECK(pacer.remaining(t0) == 30);
  CHECK(pacer.next_slot(t0) == t0 + 58334ms);
  for (int i = 0; i < 5; ++i) pacer.take(t0 + 59s);
  CHECK(pacer.next_slot(t0 + 59s) == t0 + 60s);  // the last usable one, at the reset
  pacer.take(t0 + 60s);
  // Nothing usable left: wait for the reset (and the margin); then the window is full again.
  CHECK(pacer.next_slot(t0 + 60s) == t0 + 61s);
  CHECK(pacer.next_slot(t0 + 61s) == t0 + 61s);
}

TEST_CASE("a quarter of the quota goes at once, the rest evenly up to the reset") {
  Pacer pacer(RateLimit{100, 100s});
  pacer.observe(pacer.take(t0), {.remaining = 99, .reset = 100s, .policy = RateLimit{100, 100s}},
                t0);
  int at_once = 0;
  while (pacer.next_slot(t0) == t0) {
    pacer.take(t0);
    ++at_once;
  }
  // 99 left, 2 kept back: 97 usable, and 75 must stay for the 100 s to come.
  CHECK(at_once == 22);
  // Then about one a second (75 over 100 s).
  CHECK(pacer.next_slot(t0) == t0 + 1334ms);
}

TEST_CASE("what other clients are seen to spend is left to them") {
  Pacer pacer(RateLimit{100, 10s});
  const RateLimit policy{100, 10s};
  pacer.observe(pacer.take(t0), {.remaining = 90, .reset = 10s, .policy = policy}, t0);
  pacer.settled();
  std::uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    last = pacer.take(t0 + 2s);
    pacer.settled();
  }
  SUBCASE("alone: the API counted only our 5") {
    pacer.observe(last, {.remaining = 85, .reset = 8s}, t0 + 2s);
    CHECK(pacer.next_slot(t0 + 2s) == t0 + 2s);
  }
  SUBCASE("others spent 20 in 2 s: at 10/s they need 80 of the 85 left before the reset") {
    pacer.observe(last, {.remaining = 65, .reset = 8s}, t0 + 2s);
    CHECK(pacer.next_slot(t0 + 2s) == t0 + 11s);
  }
  SUBCASE("our requests in flight may have arrived in any order: not counted as others'") {
    for (int i = 0; i < 3; ++i) pacer.take(t0 + 2s);  // unanswered
    pacer.observe(last, {.remaining = 82, .reset = 8s}, t0 + 2s);
    CHECK(pacer.next_slot(t0 + 2s) == t0 + 2s);
  }
}

TEST_CASE("an older answer does not undo what a newer one said") {
  Pacer pacer(RateLimit{100, 10s});
  const std::uint64_t first = pacer.take(t0);
  const std::uint64_t second = pacer.take(t0);
  pacer.observe(second, {.remaining = 10, .reset = 5s}, t0);
  pacer.observe(first, {.remaining = 11, .reset = 5s}, t0);
  CHECK(pacer.remaining(t0) == 10);
  // A later request's answer counts the requests sent after it as spent.
  const std::uint64_t third = pacer.take(t0);
  pacer.take(t0);
  pacer.observe(third, {.remaining = 9, .reset = 5s}, t0);
  CHECK(pacer.remaining(t0) == 8);
}

TEST_CASE("a 429's retry-after holds every request") {
  Pacer pacer(RateLimit{1200, 300s});
  pacer.hold(t0 + 3s);
  CHECK(pacer.next_slot(t0) == t0 + 3s);
  pacer.hold(t0 + 1s);  // a shorter hold does not shorten it
  CHECK(pacer.next_slot(t0 + 2s) == t0 + 3s);
  CHECK(pacer.next_slot(t0 + 3s) == t0 + 3s);
}

}  // namespace
}  // namespace cfsync::api
