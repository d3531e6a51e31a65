// Cloudflare's per-credential rate limit (--rate-limit), without sockets: a fixed window of at
// most Q requests per W seconds, and a block of W seconds once a request goes over
// (API.md §1: "all API calls for the next five minutes will be blocked").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsync::emulator {

struct RateLimitPolicy {
  std::int64_t quota = 0;     // Q: requests accepted per window
  std::int64_t window_s = 0;  // W: the window, and the block after going over, in seconds
};

// "1200/300s" or "1200/5m". On a bad text returns nullopt and sets `problem`.
[[nodiscard]] std::optional<RateLimitPolicy> parse_rate_limit(std::string_view text,
                                                              std::string& problem);

// What the limiter says about one request.
struct RateLimitVerdict {
  bool accepted = true;
  std::int64_t remaining = 0;      // r: requests left in the current window (0 while blocked)
  std::int64_t reset_s = 0;        // t: whole seconds until the window (or block) ends, rounded up
  std::int64_t retry_after_s = 0;  // refused only: seconds, rounded up, until one is accepted
};

class RateLimiter {
 public:
  using Clock = std::function<std::int64_t()>;  // epoch milliseconds, as Emulator::Clock

  RateLimiter(RateLimitPolicy policy, Clock clock);

  // Counts a request of `credential` (any string naming who sends it) if it is accepted.
  [[nodiscard]] RateLimitVerdict admit(const std::string& credential);

  [[nodiscard]] const RateLimitPolicy& policy() const { return m_policy; }

 private:
  struct Window {
    std::int64_t start_ms = 0;
    std::int64_t count = 0;             // requests accepted in it
    std::int64_t blocked_until_ms = 0;  // after a refusal: nothing is accepted before this
  };

  RateLimitPolicy m_policy;
  Clock m_clock;
  std::map<std::string, Window, std::less<>> m_windows;  // by credential
};

// The headers every API response carries while a limit is set: Ratelimit, Ratelimit-Policy,
// and retry-after on a refusal.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> rate_limit_headers(
    const RateLimitPolicy& policy, const RateLimitVerdict& verdict);

}  // namespace cfsync::emulator
