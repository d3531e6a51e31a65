// The pacer as a table of time points: when the next request may go, and what answers teach.
#include "api/pacer.hpp"
#include "api/retry.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::api {
namespace {

using namespace std::chrono_literals;
using TimePoint = Pacer::TimePoint;

const TimePoint t0{};
const auto wall = std::chrono::system_clock::from_time_t(1'700'000'000);

constexpr std::chrono::milliseconds k_max_server_wait = 300s;

HttpResponse with(std::vector<std::pair<std::string, std::string>> headers) {
  return HttpResponse{.status = 200, .headers = std::move(headers)};
}

// When the next request may go, for a pacer that must not refuse.
TimePoint slot(Pacer& pacer, TimePoint now) {
  const Result<Pacer::Slot> next = pacer.next_slot(now);
  REQUIRE(next);
  return next->at;
}

TEST_CASE("rate limits are read as N/PERIOD") {
  CHECK(parse_rate_limit("1200/300s").value() == RateLimit{1200, 300s});
  CHECK(parse_rate_limit("1200/5m").value() == RateLimit{1200, 300s});
  CHECK(parse_rate_limit("10/1h").value() == RateLimit{10, 3600s});
  CHECK(parse_rate_limit("1/168h").value() == RateLimit{1, 604800s});  // k_longest_span
  CHECK(parse_rate_limit("1/169h").error().message() ==
        "rate limit \"1/169h\": the period is longer than 168h");
  for (const char* wrong : {"", "1200", "1200/", "1200/300", "0/1s", "5/0s", "x/1s", "5/1d",
                            "1000000001/1s", "99999999999999999999/1s", "1/169h", "1/604801s",
                            "1/9223372036854775807h", "1/-1s", "-1/1s"}) {
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

TEST_CASE("hostile budget headers saturate: counts at a billion, times at a week") {
  const RateLimit most{static_cast<int>(k_most_requests), 604800s};
  struct Row {
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::int64_t> remaining;
    std::optional<std::chrono::milliseconds> reset;
    std::optional<RateLimit> policy;
  };
  const Row rows[] = {
      {{{"Ratelimit", "\"default\";r=9223372036854775807;t=9223372036854775807"}},
       k_most_requests,
       k_longest_span,
       std::nullopt},
      {{{"Ratelimit", "\"default\";r=99999999999999999999;t=3600"}},
       k_most_requests,
       3600s,
       std::nullopt},
      {{{"Ratelimit", "\"default\";r=0;t=999999999"}}, 0, k_longest_span, std::nullopt},
      {{{"Ratelimit", "\"default\";r=5;t=-1"}}, 5, std::nullopt, std::nullopt},
      {{{"Ratelimit", "\"default\";r=-1;t=5"}}, std::nullopt, std::nullopt, std::nullopt},
      {{{"Ratelimit", "\"default\";r=5;t=1e9"}}, 5, std::nullopt, std::nullopt},
      {{{"Ratelimit-Policy", "\"default\";q=9223372036854775807;w=9223372036854775807"}},
       std::nullopt,
       std::nullopt,
       most},
      {{{"Ratelimit-Policy", "\"default\";q=-5;w=300"}}, std::nullopt, std::nullopt, std::nullopt},
      {{{"X-RateLimit-Remaining", "9223372036854775807"},
        {"X-RateLimit-Reset", "9223372036854775807"},  // epoch seconds, far past 2262
        {"X-RateLimit-Limit", "9223372036854775807"}},
       k_most_requests,
       k_longest_span,
       RateLimit{static_cast<int>(k_most_requests), 300s}},
      {{{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", "999999999"}},  // seconds to go
       1,
       k_longest_span,
       std::nullopt},
      {{{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", "1000000000"}},  // 2001: past
       1,
       0ms,
       std::nullopt},
      {{{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", "Thu, 01 Jan 2099 00:00:00 GMT"}},
       1,
       k_longest_span,
       std::nullopt},
      {{{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", "Fri, 31 Dec 9999 23:59:59 GMT"}},
       1,
       k_longest_span,
       std::nullopt},
      {{{"X-RateLimit-Remaining", "1"}, {"X-RateLimit-Reset", "Sat, 01 Jan 0000 00:00:00 GMT"}},
       1,
       0ms,
       std::nullopt},
      {{{"X-RateLimit-Remaining", "-3"}, {"X-RateLimit-Reset", "-3"}},
       std::nullopt,
       std::nullopt,
       std::nullopt},
  };
  for (const Row& row : rows) {
    std::string headers;
    for (const auto& [name, value] : row.headers) headers += name + ": " + value + "\n";
    INFO(headers);
    const BudgetReport report = read_budget(with(row.headers), wall);
    CHECK(report.remaining == row.remaining);
    CHECK(report.reset == row.reset);
    CHECK(report.policy == row.policy);
  }
}

TEST_CASE("the pacer's arithmetic stays in range with saturated budgets") {
  // Each report as saturated reading makes it, then a slot asked for at a few times: the
  // sanitizer build aborts on any overflow on the way.
  const RateLimit most{static_cast<int>(k_most_requests), 604800s};
  struct Row {
    const char* name;
    BudgetReport report;
    bool refused;  // the API's wait is past max_server_wait
  };
  const Row rows[] = {
      {"everything left, a week to go", {k_most_requests, k_longest_span, most}, false},
      {"nothing left for a week", {0, k_longest_span, most}, true},
      {"one left, a week to go, a billion a week", {1, k_longest_span, most}, true},
      {"a billion left, no reset said", {k_most_requests, std::nullopt, most}, false},
      {"a billion a week, but only the policy", {std::nullopt, std::nullopt, most}, false},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    Pacer pacer(RateLimit{1200, 300s}, k_max_server_wait);
    pacer.observe(pacer.take(t0), row.report, t0);
    for (const TimePoint now : {t0, t0 + 1s, t0 + 24h, t0 + 604800s, t0 + 604802s}) {
      const Result<Pacer::Slot> next = pacer.next_slot(now);
      if (now == t0) CHECK(!next == row.refused);
      if (next) CHECK(next->at >= now);
    }
    CHECK(pacer.remaining(t0 + 1s) >= 0);
  }
}

TEST_CASE("a wait the API's answers ask for past max_server_wait refuses, saying how long") {
  struct Row {
    const char* name;
    std::vector<std::pair<std::string, std::string>> headers;
    TimePoint now;
    std::optional<TimePoint> slot;  // nothing: refused with `message`
    std::string message;
  };
  const std::string cap = ", longer than cfsync waits for the API (300 s)";
  const Row rows[] = {
      {"none left for an hour",
       {{"Ratelimit", "\"default\";r=0;t=3600"}},
       t0,
       std::nullopt,
       "the API's rate-limit headers leave no request for 3600 s" + cap},
      {"none left for a century",
       {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "Thu, 01 Jan 2099 00:00:00 GMT"}},
       t0,
       std::nullopt,
       "the API's rate-limit headers leave no request for 7 days or more" + cap},
      // Five minutes is Cloudflare's block: honoured, plus the margin for clocks.
      {"none left for exactly the cap",
       {{"Ratelimit", "\"default\";r=0;t=300"}},
       t0,
       t0 + 301s,
       ""},
      {"the hour passes until the cap is left",
       {{"Ratelimit", "\"default\";r=0;t=3600"}},
       t0 + 3300s,
       t0 + 3601s,
       ""},
      {"one a day",
       {{"Ratelimit-Policy", "\"default\";q=1;w=86400"}},
       t0,
       std::nullopt,
       "the API's rate-limit headers leave no request for 86400 s" + cap},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    Pacer pacer(RateLimit{1200, 300s}, k_max_server_wait);
    pacer.observe(pacer.take(t0), read_budget(with(row.headers), wall), t0);
    const Result<Pacer::Slot> next = pacer.next_slot(row.now);
    REQUIRE(bool(next) == row.slot.has_value());
    if (next) {
      CHECK(next->at == *row.slot);
      CHECK(next->api_at == *row.slot);
    } else {
      CHECK(next.error().message() == row.message);
    }
  }
}

TEST_CASE("a 429's hold past max_server_wait refuses, cfsync's own --rate-limit never does") {
  Pacer held(RateLimit{1200, 300s}, k_max_server_wait);
  held.hold(t0 + 3600s);
  const Result<Pacer::Slot> refused = held.next_slot(t0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() ==
        "the API asked every request to wait 3600 s (retry-after of a 429), longer than cfsync "
        "waits for the API (300 s)");
  CHECK(slot(held, t0 + 3300s) == t0 + 3600s);

  // One an hour is what the user chose: waited for, and not the API's doing.
  Pacer own(RateLimit{1, 3600s}, k_max_server_wait);
  own.take(t0);
  const Result<Pacer::Slot> next = own.next_slot(t0);
  REQUIRE(next);
  CHECK(next->at == t0 + 3601s);
  CHECK(next->api_at == t0);
}

TEST_CASE("on its own, the pacer spends the configured limit per window, and no more") {
  Pacer pacer(RateLimit{3, 10s}, k_max_server_wait);
  for (int i = 0; i < 3; ++i) {
    CHECK(slot(pacer, t0) == t0);
    pacer.take(t0);
  }
  // The fourth waits until the first leaves the window (plus a second of margin).
  CHECK(slot(pacer, t0 + 1s) == t0 + 11s);
  CHECK(slot(pacer, t0 + 11s) == t0 + 11s);
  pacer.take(t0 + 11s);
  CHECK(slot(pacer, t0 + 11s) == t0 + 11s);  // the second and third left too
  CHECK(pacer.remaining(t0 + 11s) == 2);
}

TEST_CASE("the API's count of what is left wins, others' requests included") {
  Pacer pacer(RateLimit{1200, 300s}, k_max_server_wait);
  const std::uint64_t ticket = pacer.take(t0);
  // Someone else spent most of the window: 30 left, reset in 60 s. A reserve of 24 (2 % of
  // 1200) stays for them; the 6 usable are spent evenly up to the reset: the first when the
  // 5 after it cover the paced share of the time left (5 × 300 s / 900 = 1.666 s).
  pacer.observe(ticket, {.remaining = 30, .reset = 60s, .policy = RateLimit{1200, 300s}}, t0);
  CHECK(pacer.remaining(t0) == 30);
  CHECK(slot(pacer, t0) == t0 + 58334ms);
  for (int i = 0; i < 5; ++i) pacer.take(t0 + 59s);
  CHECK(slot(pacer, t0 + 59s) == t0 + 60s);  // the last usable one, at the reset
  pacer.take(t0 + 60s);
  // Nothing usable left: wait for the reset (and the margin); then the window is full again.
  CHECK(slot(pacer, t0 + 60s) == t0 + 61s);
  CHECK(slot(pacer, t0 + 61s) == t0 + 61s);
}

TEST_CASE("a quarter of the quota goes at once, the rest evenly up to the reset") {
  Pacer pacer(RateLimit{100, 100s}, k_max_server_wait);
  pacer.observe(pacer.take(t0), {.remaining = 99, .reset = 100s, .policy = RateLimit{100, 100s}},
                t0);
  int at_once = 0;
  while (slot(pacer, t0) == t0) {
    pacer.take(t0);
    ++at_once;
  }
  // 99 left, 2 kept back: 97 usable, and 75 must stay for the 100 s to come.
  CHECK(at_once == 22);
  // Then about one a second (75 over 100 s).
  CHECK(slot(pacer, t0) == t0 + 1334ms);
}

TEST_CASE("what other clients are seen to spend is left to them") {
  Pacer pacer(RateLimit{100, 10s}, k_max_server_wait);
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
    CHECK(slot(pacer, t0 + 2s) == t0 + 2s);
  }
  SUBCASE("others spent 20 in 2 s: at 10/s they need 80 of the 85 left before the reset") {
    pacer.observe(last, {.remaining = 65, .reset = 8s}, t0 + 2s);
    CHECK(slot(pacer, t0 + 2s) == t0 + 11s);
  }
  SUBCASE("our requests in flight may have arrived in any order: not counted as others'") {
    for (int i = 0; i < 3; ++i) pacer.take(t0 + 2s);  // unanswered
    pacer.observe(last, {.remaining = 82, .reset = 8s}, t0 + 2s);
    CHECK(slot(pacer, t0 + 2s) == t0 + 2s);
  }
}

TEST_CASE("an older answer does not undo what a newer one said") {
  Pacer pacer(RateLimit{100, 10s}, k_max_server_wait);
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
  Pacer pacer(RateLimit{1200, 300s}, k_max_server_wait);
  pacer.hold(t0 + 3s);
  CHECK(slot(pacer, t0) == t0 + 3s);
  pacer.hold(t0 + 1s);  // a shorter hold does not shorten it
  CHECK(slot(pacer, t0 + 2s) == t0 + 3s);
  CHECK(slot(pacer, t0 + 3s) == t0 + 3s);
}

}  // namespace
}  // namespace cfsync::api
