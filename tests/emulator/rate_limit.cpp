#include "tests/emulator/rate_limit.hpp"

#include "tests/emulator/faults.hpp"

#include <charconv>

namespace cfsync::emulator {

namespace {

constexpr std::int64_t k_max_quota = 1'000'000'000;
constexpr std::int64_t k_max_window_s = 86'400;  // a day

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Milliseconds as whole seconds, rounded up: Cloudflare's t and retry-after never say 0 while
// a wait remains.
std::int64_t seconds_up(std::int64_t ms) { return (ms + 999) / 1000; }

}  // namespace

std::optional<RateLimitPolicy> parse_rate_limit(std::string_view text, std::string& problem) {
  const std::string quoted = quote(text);
  const auto malformed = [&] {
    problem = quoted + " is not REQUESTS/SECONDSs or REQUESTS/MINUTESm (e.g. 1200/300s or 1200/5m)";
    return std::nullopt;
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || text.size() < slash + 3) return malformed();
  const char unit = text.back();
  if (unit != 's' && unit != 'm') return malformed();
  const std::optional<std::int64_t> quota = whole_number(text.substr(0, slash));
  const std::optional<std::int64_t> window =
      whole_number(text.substr(slash + 1, text.size() - slash - 2));
  if (!quota || !window) return malformed();
  if (*quota < 1 || *quota > k_max_quota) {
    problem = "the number of requests in " + quoted + " must be 1 to 1000000000";
    return std::nullopt;
  }
  const std::int64_t unit_s = unit == 'm' ? 60 : 1;
  if (*window < 1 || *window > k_max_window_s / unit_s) {  // divided: no overflow
    problem = "the window in " + quoted + " must be 1 second to 1 day";
    return std::nullopt;
  }
  return RateLimitPolicy{.quota = *quota, .window_s = *window * unit_s};
}

RateLimiter::RateLimiter(RateLimitPolicy policy, Clock clock)
    : m_policy(policy), m_clock(std::move(clock)) {}

RateLimitVerdict RateLimiter::admit(const std::string& credential) {
  const std::int64_t now_ms = m_clock();
  const std::int64_t window_ms = m_policy.window_s * 1000;
  auto [found, fresh] = m_windows.try_emplace(credential);
  Window& window = found->second;
  if (now_ms < window.blocked_until_ms) {
    const std::int64_t wait_s = seconds_up(window.blocked_until_ms - now_ms);
    return {.accepted = false, .remaining = 0, .reset_s = wait_s, .retry_after_s = wait_s};
  }
  // A fixed window starts with the first request after the previous window (or block) ended,
  // not on a grid.
  if (fresh || now_ms >= window.start_ms + window_ms) window = Window{.start_ms = now_ms};
  if (window.count < m_policy.quota) {
    ++window.count;
    return {.accepted = true,
            .remaining = m_policy.quota - window.count,
            .reset_s = seconds_up(window.start_ms + window_ms - now_ms)};
  }
  // Over the limit: this one and every request of the credential for the next W seconds are
  // refused, however few they are; refusals do not count, so they do not prolong the block.
  window.blocked_until_ms = now_ms + window_ms;
  return {.accepted = false,
          .remaining = 0,
          .reset_s = m_policy.window_s,
          .retry_after_s = m_policy.window_s};
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(
    const RateLimitPolicy& policy, const RateLimitVerdict& verdict) {
  std::vector<std::pair<std::string, std::string>> headers{
      {"Ratelimit", "\"default\";r=" + std::to_string(verdict.remaining) +
                        ";t=" + std::to_string(verdict.reset_s)},
      {"Ratelimit-Policy",
       "\"default\";q=" + std::to_string(policy.quota) + ";w=" + std::to_string(policy.window_s)}};
  if (!verdict.accepted) headers.emplace_back("retry-after", std::to_string(verdict.retry_after_s));
  return headers;
}

}  // namespace cfsync::emulator
