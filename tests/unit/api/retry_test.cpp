// Retry decisions and waits as tables: no sockets, no sleeping.
#include "api/retry.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <limits>

namespace cfsync::api {
namespace {

using std::chrono::milliseconds;

Result<HttpResponse> status(int code,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{.status = code, .headers = std::move(headers)};
}

Result<HttpResponse> network(bool sent) {
  Error error(ErrorKind::network, "connection reset");
  error.request_sent = sent;
  return error;
}

TEST_CASE("what is retried, and what must be checked first") {
  struct Row {
    Result<HttpResponse> outcome;
    bool idempotent;
    Verdict verdict;
  };
  const Row rows[] = {
      {status(200), true, Verdict::done},
      {status(200), false, Verdict::done},
      {status(400), true, Verdict::done},
      {status(404), true, Verdict::done},
      {status(409), false, Verdict::done},  // an AI Search upload's conflict goes back
      {status(408), true, Verdict::retry},
      {status(408), false, Verdict::retry},
      {status(429), true, Verdict::retry},
      {status(429), false, Verdict::retry},  // refused before any work
      {status(500), true, Verdict::retry},
      {status(503), true, Verdict::retry},
      {status(500), false, Verdict::check_first},  // may have been done before failing
      {status(502), false, Verdict::check_first},
      {network(false), false, Verdict::retry},  // never left
      {network(false), true, Verdict::retry},
      {network(true), true, Verdict::retry},
      {network(true), false, Verdict::check_first},  // answer lost
      {Error(ErrorKind::protocol, "response too large"), true, Verdict::done},
      {Error(ErrorKind::io, "file changed while it was being uploaded"), false, Verdict::done},
  };
  for (const Row& row : rows) {
    INFO(outcome_summary(row.outcome), " idempotent=", row.idempotent);
    CHECK(judge(row.outcome, row.idempotent) == row.verdict);
  }
}

TEST_CASE("backoff is exponential with full jitter, capped") {
  const RetryPolicy policy{.attempts = 10, .base = milliseconds(500), .cap = milliseconds(30'000)};
  // The ceiling doubles from 0.5 s; the random unit scales it from 0 to just below.
  CHECK(backoff(policy, 0, 0.999) == milliseconds(499));
  CHECK(backoff(policy, 1, 0.999) == milliseconds(999));
  CHECK(backoff(policy, 2, 0.5) == milliseconds(1000));
  CHECK(backoff(policy, 5, 0.999) == milliseconds(15'984));
  CHECK(backoff(policy, 6, 0.999) == milliseconds(29'970));  // 32 s, capped at 30 s
  CHECK(backoff(policy, 60, 0.999) == milliseconds(29'970));
  CHECK(backoff(policy, 3, 0.0) == milliseconds(0));
}

TEST_CASE("the API's requested wait: retry-after-ms, retry-after seconds or date") {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14 22:13:20
  auto delay = [&](std::vector<std::pair<std::string, std::string>> headers) {
    return requested_delay(HttpResponse{.status = 429, .headers = std::move(headers)}, now);
  };
  CHECK(delay({}) == std::nullopt);
  CHECK(delay({{"Retry-After", "7"}}) == milliseconds(7000));
  CHECK(delay({{"retry-after-ms", "250"}, {"retry-after", "1"}}) == milliseconds(250));
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}) == milliseconds(30'000));
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT"}}) == milliseconds(0));  // past
  CHECK(delay({{"Retry-After", "soon"}}) == std::nullopt);
  CHECK(delay({{"Retry-After", "-3"}}) == std::nullopt);
}

TEST_CASE("HTTP dates") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") ==
        std::chrono::system_clock::from_time_t(784111777));
  CHECK(parse_http_date("Thu, 01 Jan 2099 00:00:00 GMT") ==
        std::chrono::system_clock::from_time_t(4'070'908'800));
  // Nanoseconds since 1970 end in 2262 and begin in 1677: years past them saturate.
  CHECK(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT") ==
        std::chrono::system_clock::time_point::max());
  CHECK(parse_http_date("Sat, 01 Jan 0000 00:00:00 GMT") ==
        std::chrono::system_clock::time_point::min());
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37") == std::nullopt);
  CHECK(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT") == std::nullopt);
  CHECK(parse_http_date("yesterday") == std::nullopt);
  CHECK(parse_http_date("") == std::nullopt);
}

constexpr std::int64_t k_int64_max = std::numeric_limits<std::int64_t>::max();

TEST_CASE("numbers in headers saturate instead of overflowing") {
  struct Row {
    const char* text;
    std::optional<std::int64_t> count;
  };
  const Row rows[] = {
      {"0", 0},
      {"7", 7},
      {"007", 7},
      {"9223372036854775807", k_int64_max},
      {"9223372036854775808", k_int64_max},
      {"18446744073709551616", k_int64_max},
      {"99999999999999999999999999999999999999", k_int64_max},
      {"", std::nullopt},
      {"-1", std::nullopt},
      {"-99999999999999999999", std::nullopt},  // not the largest: not a count at all
      {"+5", std::nullopt},
      {" 5", std::nullopt},
      {"5 ", std::nullopt},
      {"5s", std::nullopt},
      {"1.5", std::nullopt},
      {"1e3", std::nullopt},
      {"0x10", std::nullopt},
  };
  for (const Row& row : rows) {
    INFO('"', row.text, '"');
    CHECK(parse_count(row.text) == row.count);
  }
}

TEST_CASE("spans saturate at a week") {
  struct Row {
    std::int64_t count;
    milliseconds unit;
    milliseconds span;
  };
  const Row rows[] = {
      {0, milliseconds(1000), milliseconds(0)},
      {7, milliseconds(1000), milliseconds(7000)},
      {250, milliseconds(1), milliseconds(250)},
      {604'799, milliseconds(1000), milliseconds(604'799'000)},
      {604'800, milliseconds(1000), k_longest_span},
      {604'799'999, milliseconds(1), milliseconds(604'799'999)},
      {k_int64_max, milliseconds(1000), k_longest_span},  // seconds to milliseconds overflowed
      {k_int64_max, milliseconds(1), k_longest_span},
  };
  for (const Row& row : rows) {
    INFO(row.count, " × ", row.unit.count(), " ms");
    CHECK(saturated_span(row.count, row.unit) == row.span);
  }
}

TEST_CASE("epoch seconds and waits until a time saturate at the clock's ends") {
  using Clock = std::chrono::system_clock;
  CHECK(from_epoch_seconds(0) == Clock::time_point());
  CHECK(from_epoch_seconds(9'223'372'036) ==
        Clock::time_point(std::chrono::seconds(9'223'372'036)));  // in 2262, the last whole second
  CHECK(from_epoch_seconds(9'223'372'037) == Clock::time_point::max());
  CHECK(from_epoch_seconds(k_int64_max) == Clock::time_point::max());
  CHECK(from_epoch_seconds(-9'223'372'036) ==
        Clock::time_point(std::chrono::seconds(-9'223'372'036)));
  CHECK(from_epoch_seconds(-9'223'372'037) == Clock::time_point::min());
  CHECK(from_epoch_seconds(std::numeric_limits<std::int64_t>::min()) == Clock::time_point::min());

  const auto now = Clock::from_time_t(1'700'000'000);
  CHECK(wait_until(now, now) == milliseconds(0));
  CHECK(wait_until(now - std::chrono::hours(1), now) == milliseconds(0));
  CHECK(wait_until(Clock::time_point::min(), now) == milliseconds(0));
  CHECK(wait_until(now + std::chrono::microseconds(1500), now) == milliseconds(2));  // rounded up
  CHECK(wait_until(now + std::chrono::hours(1), now) == milliseconds(3'600'000));
  CHECK(wait_until(now + std::chrono::days(8), now) == k_longest_span);
  CHECK(wait_until(Clock::time_point::max(), now) == k_longest_span);
}

TEST_CASE("hostile retry-after headers: huge, negative, overflowing, far dates, malformed") {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14 22:13:20
  struct Row {
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<milliseconds> delay;
  };
  const Row rows[] = {
      {{{"retry-after", "3600"}}, milliseconds(3'600'000)},
      {{{"retry-after", "999999999"}}, k_longest_span},
      {{{"retry-after", "9223372036854775807"}}, k_longest_span},
      {{{"retry-after", "99999999999999999999999"}}, k_longest_span},
      {{{"retry-after-ms", "9223372036854775807"}}, k_longest_span},
      {{{"retry-after-ms", "604800001"}}, k_longest_span},
      {{{"retry-after", "Thu, 01 Jan 2099 00:00:00 GMT"}}, k_longest_span},
      {{{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}}, k_longest_span},
      {{{"retry-after", "Thu, 01 Jan 1970 00:00:00 GMT"}}, milliseconds(0)},
      {{{"retry-after", "Sat, 01 Jan 0000 00:00:00 GMT"}}, milliseconds(0)},
      {{{"retry-after", "-1"}}, std::nullopt},
      {{{"retry-after", "-9223372036854775808"}}, std::nullopt},
      {{{"retry-after", "1e9"}}, std::nullopt},
      {{{"retry-after", "3600 "}}, std::nullopt},
      {{{"retry-after", "Thu, 01 Jan 2099 00:00:00"}}, std::nullopt},
      // An unreadable retry-after-ms leaves retry-after to decide.
      {{{"retry-after-ms", "-1"}, {"retry-after", "5"}}, milliseconds(5000)},
      {{{"retry-after-ms", "soon"}, {"retry-after", "9223372036854775807"}}, k_longest_span},
  };
  for (const Row& row : rows) {
    std::string headers;
    for (const auto& [name, value] : row.headers) headers += name + ": " + value + "\n";
    INFO(headers);
    CHECK(requested_delay(HttpResponse{.status = 429, .headers = row.headers}, now) == row.delay);
  }
}

TEST_CASE("waits in messages") {
  CHECK(describe_wait(milliseconds(0)) == "0 ms");
  CHECK(describe_wait(milliseconds(250)) == "250 ms");
  CHECK(describe_wait(milliseconds(1000)) == "1 s");
  CHECK(describe_wait(milliseconds(1001)) == "2 s");
  CHECK(describe_wait(milliseconds(3'600'000)) == "3600 s");
  CHECK(describe_wait(milliseconds(604'799'000)) == "604799 s");
  CHECK(describe_wait(milliseconds(604'799'001)) == "7 days or more");
  CHECK(describe_wait(k_longest_span) == "7 days or more");
}

}  // namespace
}  // namespace cfsync::api
