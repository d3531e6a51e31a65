#include "api/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

namespace cfsync::api {

namespace {

bool retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

// A whole non-negative number, nothing around it.
std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

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

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  std::tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t seconds = timegm(&parts);
  if (seconds == -1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

std::optional<std::chrono::milliseconds> requested_delay(
    const HttpResponse& response, std::chrono::system_clock::time_point now) {
  if (auto ms = whole_number(response.header("retry-after-ms"))) {
    return std::chrono::milliseconds(*ms);
  }
  const std::string_view after = response.header("retry-after");
  if (after.empty()) return std::nullopt;
  if (auto seconds = whole_number(after)) return std::chrono::seconds(*seconds);
  const auto date = parse_http_date(after);
  if (!date) return std::nullopt;
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(*date - now));
}

std::string outcome_summary(const Result<HttpResponse>& outcome) {
  if (outcome) return "HTTP " + std::to_string(outcome->status);
  return outcome.error().message();
}

}  // namespace cfsync::api
