// When to try a request again, and how long to wait first: plain functions of what came back,
// so that every rule is a row in a table test, without sockets or sleeping.
#pragma once

#include "api/http.hpp"
#include "reconcile/result.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace cfsync::api {

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
// counts from 0 and `unit` is a uniform random number in [0, 1).
[[nodiscard]] std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, double unit);

// How long the API asked to wait: `retry-after-ms` (milliseconds), else `retry-after` (seconds,
// or an HTTP date compared with `now`); nothing when neither is there or readable.
[[nodiscard]] std::optional<std::chrono::milliseconds> requested_delay(
    const HttpResponse& response, std::chrono::system_clock::time_point now);

// An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") as a time point.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text);

// "HTTP 503", "connection reset", for log lines about a retry.
[[nodiscard]] std::string outcome_summary(const Result<HttpResponse>& outcome);

}  // namespace cfsync::api
