// The one way requests of the process reach the API: paced under the rate limit, retried when
// that is worth it, and counted.
#pragma once

#include "api/clock.hpp"
#include "api/pacer.hpp"
#include "api/retry.hpp"
#include "api/transport.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace spdlog {
class logger;
}

namespace cfsync::api {

struct ClientPolicy {
  RetryPolicy retry;
  RateLimit rate_limit;
  // The longest wait the API may ask for, each time: a retry-after, or a rate-limit reset or
  // policy the pacer would wait for. A request asked to wait longer fails at once, saying what
  // the API asked; a week, an hour or a date in 2099 would otherwise stall the run. Cloudflare
  // blocks a token that went over its limit for 5 minutes: that much is honoured.
  std::chrono::milliseconds max_server_wait{300'000};
  // The transport's time limit per step (--request-timeout). A request whose waits for the API
  // add up to more than request_timeout × retry.attempts says so in a warning: that is longer
  // than the two settings suggest a request can take.
  std::chrono::milliseconds request_timeout{30'000};
};

struct ClientStats {
  std::uint64_t requests = 0;  // attempts sent, retries included
  std::uint64_t retries = 0;
  std::uint64_t rate_limited = 0;  // 429 answers
  // Requests that failed after every attempt, or when the API asked for a wait past
  // max_server_wait.
  std::uint64_t gave_up = 0;
  std::int64_t budget_left = 0;  // requests left before the rate limit, as last known
};

// A Transport in front of another. Every request waits for its slot (Pacer), and an outcome
// worth another attempt (judge) is sent again after the API's retry-after or a jittered
// backoff, up to policy.retry.attempts in all; a wait the API asks for that is longer than
// policy.max_server_wait fails the request instead. Thread-safe: the slot is taken under a
// lock, the exchange and the waits happen outside it.
class Client final : public Transport {
 public:
  // A uniform random number in [0, 1), for the jitter; called under the lock.
  using Random = std::function<double()>;

  Client(Transport& transport, ClientPolicy policy, Clock& clock, Random random,
         std::shared_ptr<spdlog::logger> logger);

  // Idempotent requests are retried on any retryable outcome; others only when the API cannot
  // have applied them (refused before any work, or never sent).
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;
  // A lost answer or a 5xx: `landed` re-reads the live state first, and the request goes again
  // only when the write is not there.
  [[nodiscard]] Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                const Landed& landed) override;

  [[nodiscard]] ClientStats stats();

  // Sees every attempt's method and status (0 when no answer came), for metrics. Set before the
  // first request; called from the threads that send.
  using Observer = std::function<void(Method method, int status)>;
  void observe(Observer observer) { m_observer = std::move(observer); }

 private:
  // What one request has waited so far because the API said so (retry-after, rate-limit
  // headers), and whether a warning said it was long.
  struct ApiWaits {
    std::chrono::milliseconds total{0};
    bool said = false;
  };

  // Waits for a slot, sends once, and learns from the answer what it says of the budget.
  [[nodiscard]] Result<HttpResponse> attempt(const HttpRequest& request, ApiWaits& waits);
  // How long to wait before retry number `retry` (from 0) after `outcome`: the API's
  // retry-after, else a backoff. An error when the API asks for longer than max_server_wait.
  [[nodiscard]] Result<std::chrono::milliseconds> pause_after(const HttpRequest& request,
                                                              const Result<HttpResponse>& outcome,
                                                              int retry, ApiWaits& waits);
  // Adds `wait` to what the request waited for the API; says so once that is past
  // request_timeout × attempts.
  void waited_for_api(const HttpRequest& request, ApiWaits& waits, std::chrono::milliseconds wait);
  // The error for a request that failed every attempt.
  [[nodiscard]] Error given_up(const HttpRequest& request, Result<HttpResponse> last);
  void note_retry(const HttpRequest& request, const Result<HttpResponse>& outcome, int retry,
                  std::chrono::milliseconds pause);

  Transport& m_transport;
  ClientPolicy m_policy;
  Clock& m_clock;
  Random m_random;
  std::shared_ptr<spdlog::logger> m_logger;
  Observer m_observer;
  std::mutex m_mutex;  // guards everything below
  Pacer m_pacer;
  ClientStats m_stats;
};

}  // namespace cfsync::api
