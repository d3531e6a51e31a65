// When to try a request again, and how long to wait first: plain functions of what came back,
// so that every rule is a row in a table test, without sockets or sleeping.
#pragma once

#include "api/http.hpp"
#include "reconcile/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cfsync::api {

// The longest time span read from the API (a wait, a reset, a window) or taken as a rate limit's
// period: longer ones saturate here. Far past any wait cfsync honours (max_server_wait) and the
// daily windows some APIs name, and short enough that sums and products of time points, windows
// and request counts cannot overflow (signed overflow is undefined behaviour).
inline constexpr std::chrono::milliseconds k_longest_span = std::chrono::days(7);

struct RetryPolicy {
  int attempts = 5;  // in all, the first included; 1 never retries
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{30'000};
};

enum class Verdict {
  done,         // a final answer, success or not: hand it to the caller
  retry,        // nothing was applied (or applying twice is harmless): send again
  check_first,  // the request may have been applied: re-read before sending it again
};

// What one attempt's outcome means. Connection failures before any byte went out, timeouts,
// 408, 429 and 5xx are worth another attempt; other statuses are final. A request that is not
// idempotent and may have reached the API (answer lost, or a 5xx) must be checked first.
[[nodiscard]] Verdict judge(const Result<HttpResponse>& outcome, bool idempotent);

// Exponential backoff with full jitter: uniform in [0, min(cap, base × 2^retry)), where `retry`
// counts from 0 and `unit` is a uniform random number in [0, 1]; 1 gives the ceiling itself (no
// jitter, as the daemon's retry of a failed pass wants).
[[nodiscard]] std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, double unit);

// How long the API asked to wait: `retry-after-ms` (milliseconds), else `retry-after` (seconds,
// or an HTTP date compared with `now`); nothing when neither is there or readable. Saturated at
// k_longest_span.
[[nodiscard]] std::optional<std::chrono::milliseconds> requested_delay(
    const HttpResponse& response, std::chrono::system_clock::time_point now);

// A whole number in decimal digits, nothing around it (no sign, no space). What comes from the
// network may be any length: a number past what int64 holds reads as the largest one, so that
// "wait 99999999999999999999 s" still means a long wait.
[[nodiscard]] std::optional<std::int64_t> parse_count(std::string_view text);

// `count` (not negative) times `unit`, saturated at k_longest_span.
[[nodiscard]] std::chrono::milliseconds saturated_span(std::int64_t count,
                                                       std::chrono::milliseconds unit);

// Seconds since 1970 as a time point, saturated at the ends of the system clock's range (about
// 292 years either side, in nanoseconds).
[[nodiscard]] std::chrono::system_clock::time_point from_epoch_seconds(std::int64_t seconds);

// From `now` (a clock reading, after 1970) until `at`: 0 when `at` is past, saturated at
// k_longest_span.
[[nodiscard]] std::chrono::milliseconds wait_until(std::chrono::system_clock::time_point at,
                                                   std::chrono::system_clock::time_point now);

// An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") as a time point,
// saturated as from_epoch_seconds does.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text);

// A wait for messages: "250 ms" below a second, else whole seconds rounded up ("3600 s"), and
// "7 days or more" at k_longest_span, where what the API said was saturated.
[[nodiscard]] std::string describe_wait(std::chrono::milliseconds wait);

// "HTTP 503", "connection reset", for log lines about a retry.
[[nodiscard]] std::string outcome_summary(const Result<HttpResponse>& outcome);

}  // namespace cfsync::api
