#include "api/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>
#include <string>

namespace cfsync::api {

namespace {

bool retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

Verdict judge(const Result<HttpResponse>& outcome, bool idempotent) {
  if (!outcome) {
    const Error& error = outcome.error();
    if (error.kind() != ErrorKind::network) return Verdict::done;  // a body source, a limit
    if (!error.request_sent || idempotent) return Verdict::retry;
    return Verdict::check_first;
  }
  const int status = outcome->status;
  if (!retryable_status(status)) return Verdict::done;
  // 408 and 429 are refusals before any work; a 5xx may come after the work was done.
  if (idempotent || status == 408 || status == 429) return Verdict::retry;
  return Verdict::check_first;
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, double unit) {
  const double ceiling =
      std::min(static_cast<double>(policy.cap.count()),
               static_cast<double>(policy.base.count()) * std::exp2(std::min(retry, 30)));
  const double drawn = std::clamp(unit, 0.0, 1.0) * ceiling;
  return std::chrono::milliseconds(static_cast<std::int64_t>(drawn));
}

std::optional<std::int64_t> parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const char* const stop = text.data() + text.size();
  const auto [end, error] = std::from_chars(text.data(), stop, value);
  if (end != stop || (error != std::errc() && error != std::errc::result_out_of_range)) {
    return std::nullopt;
  }
  constexpr auto k_largest = std::numeric_limits<std::int64_t>::max();
  if (error == std::errc::result_out_of_range || value > static_cast<std::uint64_t>(k_largest)) {
    return k_largest;
  }
  return static_cast<std::int64_t>(value);
}

std::chrono::milliseconds saturated_span(std::int64_t count, std::chrono::milliseconds unit) {
  if (count >= k_longest_span / unit) return k_longest_span;
  return count * unit;
}

std::chrono::system_clock::time_point from_epoch_seconds(std::int64_t seconds) {
  using TimePoint = std::chrono::system_clock::time_point;
  constexpr auto k_last = std::chrono::floor<std::chrono::seconds>(TimePoint::max());
  constexpr auto k_first = std::chrono::ceil<std::chrono::seconds>(TimePoint::min());
  if (seconds > k_last.time_since_epoch().count()) return TimePoint::max();
  if (seconds < k_first.time_since_epoch().count()) return TimePoint::min();
  return TimePoint(std::chrono::seconds(seconds));
}

std::chrono::milliseconds wait_until(std::chrono::system_clock::time_point at,
                                     std::chrono::system_clock::time_point now) {
  if (at <= now) return std::chrono::milliseconds(0);
  // `at` may be the end of the clock's range; `now` is after 1970, so the difference fits.
  const auto left = at - now;
  if (left >= k_longest_span) return k_longest_span;
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  std::tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t seconds = timegm(&parts);
  if (seconds == -1) return std::nullopt;
  // Years 0 to 9999 parse, and most of them are past what nanoseconds since 1970 hold.
  return from_epoch_seconds(seconds);
}

std::optional<std::chrono::milliseconds> requested_delay(
    const HttpResponse& response, std::chrono::system_clock::time_point now) {
  using std::chrono::milliseconds;
  if (auto ms = parse_count(response.header("retry-after-ms"))) {
    return saturated_span(*ms, milliseconds(1));
  }
  const std::string_view after = response.header("retry-after");
  if (after.empty()) return std::nullopt;
  if (auto seconds = parse_count(after)) return saturated_span(*seconds, milliseconds(1000));
  const auto date = parse_http_date(after);
  if (!date) return std::nullopt;
  return wait_until(*date, now);
}

std::string describe_wait(std::chrono::milliseconds wait) {
  if (wait < std::chrono::seconds(1)) return std::to_string(wait.count()) + " ms";
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
  if (seconds >= k_longest_span) {
    return std::to_string(std::chrono::floor<std::chrono::days>(k_longest_span).count()) +
           " days or more";
  }
  return std::to_string(seconds.count()) + " s";
}

std::string outcome_summary(const Result<HttpResponse>& outcome) {
  if (outcome) return "HTTP " + std::to_string(outcome->status);
  return outcome.error().message();
}

}  // namespace cfsync::api
