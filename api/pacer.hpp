// Pacing under the API's rate limit (Cloudflare: 1200 requests per 5 minutes per token, and a
// token that goes over is blocked for 5 minutes). A state machine fed with time points: it says
// when the next request may go, learns from what responses say of the budget (including how
// fast other clients of the token spend it), and never sleeps itself, so tests run it as a
// table.
#pragma once

#include "api/http.hpp"
#include "reconcile/result.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

namespace cfsync::api {

struct RateLimit {
  int requests = 1200;
  std::chrono::seconds window{300};

  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// More requests than this in a window are as good as no limit; read counts saturate here, which
// keeps the pacer's arithmetic on them in range.
inline constexpr std::int64_t k_most_requests = 1'000'000'000;

// "1200/300s", "1200/5m", "20/1s": at most k_most_requests, over at most k_longest_span.
[[nodiscard]] Result<RateLimit> parse_rate_limit(std::string_view text);

// What one response said about the budget: Cloudflare's `Ratelimit: "default";r=50;t=30` and
// `Ratelimit-Policy: "default";q=1200;w=300`, or the older `X-RateLimit-Remaining`,
// `X-RateLimit-Reset` (an HTTP date, epoch seconds or seconds to go) and `X-RateLimit-Limit`.
// Numbers saturate: counts at k_most_requests, times at k_longest_span.
struct BudgetReport {
  std::optional<std::int64_t> remaining;           // requests left in the current window
  std::optional<std::chrono::milliseconds> reset;  // until the window resets
  std::optional<RateLimit> policy;

  [[nodiscard]] bool empty() const { return !remaining && !policy; }
};

[[nodiscard]] BudgetReport read_budget(const HttpResponse& response,
                                       std::chrono::system_clock::time_point now);

class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `limit` holds whatever the API says; the API's own policy, once seen, holds as well. What
  // the API's answers ask for is waited for up to `max_server_wait`, not longer.
  Pacer(RateLimit limit, std::chrono::milliseconds max_server_wait);

  struct Slot {
    TimePoint at;      // the earliest time the next request may go: `now` when it may go at once
    TimePoint api_at;  // what the API's answers alone would allow (at or before `at`)
  };

  // When the next request may go; an error when the API's answers (a 429's hold, its policy, its
  // count of what is left) hold it back longer than max_server_wait, which says how long.
  [[nodiscard]] Result<Slot> next_slot(TimePoint now);
  // A request goes at `now`; the ticket ties its answer to it.
  std::uint64_t take(TimePoint now);
  // A request taken earlier is over, answered or not.
  void settled();
  // What the answer to request `ticket` said about the budget.
  void observe(std::uint64_t ticket, const BudgetReport& report, TimePoint now);
  // The API asked every request to wait until `until` (a 429's retry-after).
  void hold(TimePoint until);

  // Requests left before the limit as far as cfsync knows: the API's count when it sends one,
  // else what the configured limit leaves.
  [[nodiscard]] std::int64_t remaining(TimePoint now);

 private:
  struct Budget {
    std::int64_t remaining = 0;  // after request `ticket` was counted
    std::uint64_t ticket = 0;
    TimePoint reset_at;
  };
  // The first answer seen in the API's current window, to tell others' spending from ours.
  struct WindowStart {
    Budget budget;
    TimePoint seen;
    std::int64_t in_flight = 0;
  };

  void forget_before(TimePoint now);
  // When `limit.requests` of ours were sent in the `window` before `now`: the time the oldest of
  // the last `limit.requests` of them leaves the window (as the API counts, margin aside).
  [[nodiscard]] std::optional<TimePoint> window_full_until(const RateLimit& limit,
                                                           TimePoint now) const;
  // While the API's count leaves requests: the time the next one may go to spread them evenly
  // up to the reset; nothing when it may go now.
  [[nodiscard]] std::optional<TimePoint> spread_until(std::int64_t usable, TimePoint now) const;
  [[nodiscard]] std::int64_t budget_left(const Budget& budget) const;
  // Left unspent for others: a little always, plus what they are seen to spend until the reset.
  [[nodiscard]] std::int64_t reserve(TimePoint now) const;
  void learn_others(const Budget& budget, TimePoint now);

  RateLimit m_limit;
  std::chrono::milliseconds m_max_server_wait;
  std::optional<RateLimit> m_policy;  // the API's, once seen
  std::deque<TimePoint> m_sent;       // our requests in the longest window, oldest first
  std::uint64_t m_tickets = 0;
  std::int64_t m_in_flight = 0;  // taken, not settled
  std::optional<Budget> m_budget;
  std::optional<WindowStart> m_window;
  double m_others_per_second = 0;  // requests of other clients of the same token
  TimePoint m_hold_until{};
};

}  // namespace cfsync::api
